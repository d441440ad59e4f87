import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { KAFKA_CONNECTION_OPTION_KEYS, readKafkaConnection, type KafkaConnection, type KafkaConnectionOptions } from './connection.js';
import { KAFKA_COMPRESSIONS, type KafkaCompression } from './producer-transport.js';
import { requirePeer } from '../../src/core/optional-peer.js';
import { KAFKA_PEER } from './client.js';

/** Options given in code; each overrides its `OTEL_LOGKIT_KAFKA_*` variable (connection ones: see {@link KafkaConnectionOptions}). */
export interface KafkaExporterOptions extends KafkaConnectionOptions {
  /** `OTEL_LOGKIT_KAFKA_TOPIC` (default `otlp_logs`, the Collector's default for logs). */
  topic?: string;
  /** `OTEL_LOGKIT_KAFKA_COMPRESSION`: Kafka's own batch compression, `none` (default), `gzip`, `snappy`, `lz4` or `zstd`. */
  compression?: KafkaCompression;
}

export const KAFKA_OPTION_KEYS = { ...KAFKA_CONNECTION_OPTION_KEYS, topic: 1, compression: 1 } as const satisfies OptionKeys<KafkaExporterOptions>;

export interface KafkaExporterConfig {
  connection: KafkaConnection;
  topic: string;
  compression: KafkaCompression;
}

/** Kafka's rule for topic names: 1-249 of `[a-zA-Z0-9._-]`, not `.` or `..`. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** Reads the Kafka section; called only when `kafka` is an exporter or a route target. */
export function parseKafkaExporterConfig(read: SettingsReader, options: KafkaExporterOptions = {}): KafkaExporterConfig {
  // At start-up, not at the first record: the client library is an optional peer.
  requirePeer(KAFKA_PEER, 'OTEL_LOGS_EXPORTER', 'kafka');
  return {
    connection: readKafkaConnection(read, 'OTEL_LOGKIT_KAFKA', 'otel-logkit', options),
    topic: checkTopic('OTEL_LOGKIT_KAFKA_TOPIC', read.string('OTEL_LOGKIT_KAFKA_TOPIC', 'otlp_logs', options.topic)),
    compression: read.oneOf('OTEL_LOGKIT_KAFKA_COMPRESSION', KAFKA_COMPRESSIONS, 'none', options.compression),
  };
}

export function checkTopic(setting: string, topic: string): string {
  if (!TOPIC.test(topic) || topic === '.' || topic === '..') throw new ConfigError(setting, topic, 'a Kafka topic name: 1-249 letters, digits, ".", "_" or "-"');
  return topic;
}
