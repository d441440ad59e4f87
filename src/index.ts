export { createLogPipeline, registerLogPipeline, type LogPipeline, type LogPipelineParts, type RegisterOptions } from './pipeline.js';
export { resolveConfig, EXPORTER_NAMES, type ExporterName, type LogkitConfig, type LogkitOptions } from './config.js';
export {
  runWithExecution,
  currentExecution,
  beginExecution,
  enterExecution,
  endExecution,
  onExecutionEnd,
  Execution,
  type ExecutionFields,
  type ExecutionOutcome,
} from './core/execution.js';
export { LogkitError, ConfigError, type LogkitErrorCode } from './core/errors.js';
export type { LogkitRecord, LogValue, LogMap } from './core/record.js';
export type { LogStage } from './core/stage.js';
export type { StatsSection } from './core/stats.js';
export { parseSeverity, severityName } from './core/severity.js';
export { DeferredFlushSpanProcessor } from '../processors/sampling/deferred/flush-on-span-error.js';
export type { DeferredOptions } from '../processors/sampling/deferred/config.js';
export type { SamplingOptions } from '../processors/sampling/config.js';
export { CORRELATION_ATTRIBUTES } from './core/attributes.js';
export type { EnrichmentOptions, BaggageSelector } from '../processors/enrichment/config.js';
export {
  withCorrelation,
  correlationMiddleware,
  fastifyCorrelation,
  correlationHeaders,
  correlatedFetch,
  correlatedRequest,
  correlationInterceptor,
  sanitizeHeaderValue,
  HEADER_VALUE_FORM,
  type CorrelationOptions,
  type RequestFields,
  type HttpFailure,
} from './integrations/http/index.js';
export type { LokiOptions } from '../exporters/loki/config.js';
export type { ElasticsearchOptions } from '../exporters/elasticsearch/config.js';
export type { RoutingOptions, RouteOption } from '../exporters/routing/config.js';
export type { LinkOptions, LogLinks } from '../exporters/links.js';
export { createHttpDestination, createDestination, type HttpDestinationSpec } from '../exporters/delivery/destination.js';
export type { Protocol, WireRequest, WireResponse, Verdict } from '../exporters/delivery/protocol.js';
export { compressRequest, type Compression } from '../exporters/delivery/compress.js';
export { classifyAnswer, retryingServerErrors, retryAfterMs } from '../exporters/delivery/classify.js';
export type { DeliveryReason } from '../exporters/delivery/reasons.js';
export type { DestinationDescriptor, RouteTarget } from '../exporters/delivery/descriptor.js';
export { DEFAULT_DELIVERY, type DeliverySettings, type HttpSettings, type BatchSettings, type RetrySettings, type SpoolSettings, type TlsSettings, type FsyncPolicy } from '../exporters/delivery/settings.js';
export type { DeliveryOptions } from '../exporters/config.js';
export type { OtlpExporterOptions } from '../exporters/otlp/config.js';
export type { FileExporterOptions } from '../exporters/file/config.js';
export { encodeOtlpJson } from '../exporters/codec/encode-json.js';
export { encodeOtlpProtobuf } from '../exporters/codec/encode-protobuf.js';
export {
  Redactor,
  RedactionSummary,
  REDACTION_ACTIONS,
  REDACTION_COUNT_ATTRIBUTE,
  REDACTION_KINDS_ATTRIBUTE,
  DEFAULT_BLOCKED_KEYS,
  DETECTOR_NAMES,
  DEFAULT_DETECTORS,
  type RedactableRecord,
  type RedactionAction,
  type RedactionConfig,
  type RedactionOptions,
} from '../processors/redaction/index.js';
// Kafka: the `kafka` destination's options, and the consumer-group source a collector tier reads the topic with.
export type { KafkaExporterOptions } from '../exporters/kafka/config.js';
export type { KafkaConnection, KafkaConnectionOptions, SaslMechanism } from '../exporters/kafka/connection.js';
export { KafkaSource, type RecordSink, type KafkaSourceStats } from './kafka/source.js';
export { parseKafkaSourceConfig, type KafkaSourceConfig, type KafkaSourceOptions } from './kafka/config.js';
