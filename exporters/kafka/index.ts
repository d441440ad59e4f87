import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor, RouteTarget } from '../delivery/descriptor.js';
import { createDestination } from '../delivery/destination.js';
import { watchedTransport } from '../delivery/watched-transport.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { KAFKA_OPTION_KEYS, checkTopic, type KafkaExporterConfig, type KafkaExporterOptions, parseKafkaExporterConfig } from './config.js';
import { kafkaBrokersEndpoint } from './connection.js';
import { KafkaProducerTransport } from './producer-transport.js';
import { KafkaProtocol } from './protocol.js';

/**
 * `OTEL_LOGS_EXPORTER=kafka`: OTLP protobuf messages on a Kafka topic (the Collector's `otlp_proto`
 * encoding, readable by its `kafkareceiver` and by `otel-logkit collector`), through the shared
 * delivery core's batching, spool, retries and dead-letter directory. A route target such as
 * `kafka(topic=audit_logs)` is its own destination (own queue, spool subdirectory, producer) writing
 * to its own topic.
 */
export function createKafkaDestination(config: KafkaExporterConfig, delivery: DeliverySettings, ctx: StageContext, route?: RouteTarget): LogStage {
  const topic = route?.options.topic ?? config.topic;
  const name = route?.key ?? 'kafka';
  // Watched like an HTTP backend: the first time the brokers cannot be reached, one warning names them.
  const transport = watchedTransport(new KafkaProducerTransport(config.connection, config.compression), ctx.health?.watch(name, kafkaBrokersEndpoint(config.connection.brokers)));
  // A broker comes back from a restart in seconds; a retry waits at most this long, so delivery
  // resumes about that soon after its return instead of at the end of a 30 s backoff.
  const retry = { ...delivery.retry, maxBackoffMs: Math.min(delivery.retry.maxBackoffMs, KAFKA_RETRY_MAX_BACKOFF_MS) };
  return createDestination({ name, protocol: new KafkaProtocol(topic), transport, delivery: { ...delivery, retry } }, ctx);
}

/** The longest wait between two attempts to reach the brokers (the Java client's reconnect.backoff.max.ms is 1 s). */
const KAFKA_RETRY_MAX_BACKOFF_MS = 2_000;

/** A route may name its own topic, and nothing else. */
function checkKafkaRouteOptions(options: Readonly<Record<string, string>>): string | undefined {
  for (const key of Object.keys(options)) if (key !== 'topic') return `kafka takes topic, not "${key}"`;
  try {
    if (options.topic !== undefined) checkTopic('topic', options.topic);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export const kafkaDestination: DestinationDescriptor<'kafka', KafkaExporterConfig, KafkaExporterOptions> = {
  name: 'kafka',
  optionKeys: KAFKA_OPTION_KEYS,
  parse: parseKafkaExporterConfig,
  checkRouteOptions: checkKafkaRouteOptions,
  create: createKafkaDestination,
};
