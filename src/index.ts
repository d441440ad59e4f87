export { createLogPipeline, registerLogPipeline, type LogPipeline, type LogPipelineParts, type RegisterOptions, type RegisteredLogPipeline } from './pipeline.js';
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
export { OtlpDouble } from './core/otlp-values.js';
export type { LogStage } from './core/stage.js';
export type { StatsSection } from './core/stats.js';
export { parseSeverity, severityName } from './core/severity.js';
export { DeferredFlushSpanProcessor } from '../processors/sampling/deferred/flush-on-span-error.js';
export type { DeferredOptions } from '../processors/sampling/deferred/config.js';
export type { SamplingOptions } from '../processors/sampling/config.js';
export type { DedupOptions } from '../processors/dedup/config.js';
export { CORRELATION_ATTRIBUTES, DEDUP_ATTRIBUTES, SILENCE_ATTRIBUTES } from './core/attributes.js';
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

// Standard SDK parts: each stage as a LogRecordProcessor, each destination as a LogRecordExporter.
export { EnrichmentLogRecordProcessor, type EnrichmentProcessorOptions } from './sdk/enrichment-processor.js';
export { SamplingLogRecordProcessor, type SamplingProcessorOptions } from './sdk/sampling-processor.js';
export { RedactionLogRecordProcessor, UNREDACTABLE_BODY, type RedactionProcessorOptions } from './sdk/redaction-processor.js';
export { ReleasedLogRecord } from './sdk/sdk-record.js';
export { DestinationLogRecordExporter, type DestinationExporterOptions } from '../exporters/delivery/log-record-exporter.js';
export { OtlpLogRecordExporter } from '../exporters/otlp/log-record-exporter.js';
export { LokiLogRecordExporter } from '../exporters/loki/log-record-exporter.js';
export { ElasticsearchLogRecordExporter } from '../exporters/elasticsearch/log-record-exporter.js';
export { FileLogRecordExporter } from '../exporters/file/log-record-exporter.js';

// The typed sections of stats(), each from where it is registered.
export type { LogkitStats, ExitStatsSection, SdkStatsSection } from './stats.js';
export type { ReasonCounts } from './core/stats.js';
export type { PipelineStatsSection } from './processor.js';
export type { EnrichmentStatsSection } from '../processors/enrichment/index.js';
export type { SamplingStatsSection } from '../processors/sampling/index.js';
export type { DeferredStatsSection } from '../processors/sampling/deferred/deferred-buffer.js';
export type { RedactionStatsSection } from '../processors/redaction/index.js';
export type { DedupStatsSection } from '../processors/dedup/index.js';
export type { RoutingStatsSection } from '../exporters/routing/stage.js';
export type { DeliveryStatsSection } from '../exporters/delivery/delivery-stats.js';
export type { SdkExporterStatsSection } from '../exporters/delivery/sdk-exporter-stage.js';
export type { DeliveryThreadStatsSection } from './delivery-thread.js';
// Audit trail and message archiving (issue 16).
export { auditLogger } from './audit-logger.js';
export { archive, type ArchiveRef, type ArchiveOptions, type ArchiveSettingsOptions } from './archive/index.js';
export type { AuditOptions } from '../processors/audit/config.js';
export { AUDIT_CHAIN_ATTRIBUTES, LOG_TYPE_ATTRIBUTE, AUDIT_LOG_TYPE, AUDIT_DIGEST_LOG_TYPE } from './core/audit-record.js';
// Collector (issue 14): OTLP/HTTP in, the same stages and destinations out.
export { createCollector, type Collector, type CollectorInfo, type CreateCollectorOptions } from './collector/collector.js';
export type { CollectorOptions, CollectorSettings, RequestLimits, TailSettings } from './collector/settings.js';
// redaction catalogue and sanitizers (issue 18)
export { detectorCatalogue, type CatalogueEntry, DEFAULT_URL_ATTRIBUTES, DEFAULT_DB_ATTRIBUTES, sanitizeDbStatement } from '../processors/redaction/index.js';
// Kafka: the `kafka` destination's options, and the consumer-group source a collector tier reads the topic with.
export type { KafkaExporterOptions } from '../exporters/kafka/config.js';
export type { KafkaConnection, KafkaConnectionOptions, SaslMechanism } from '../exporters/kafka/connection.js';
export { KafkaSource, type RecordSink, type KafkaSourceStats } from './kafka/source.js';
export { parseKafkaSourceConfig, type KafkaSourceConfig, type KafkaSourceOptions } from './kafka/config.js';

// Serverless handlers: everything logged is delivered (or spooled) before the handler returns.
export { withLogFlush, type LogFlushOptions } from './serverless.js';
