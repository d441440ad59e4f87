import { readKafkaConnection, type KafkaConnection, type KafkaConnectionOptions } from '../../exporters/kafka/connection.js';
import { checkTopic } from '../../exporters/kafka/config.js';
import { SettingsReader } from '../core/env.js';
import { ConfigError } from '../core/errors.js';

/** Options given in code; each overrides its `OTEL_LOGKIT_COLLECTOR_KAFKA_*` variable. */
export interface KafkaSourceOptions extends KafkaConnectionOptions {
  /** `_TOPIC` (default `otlp_logs`, what the `kafka` destination and the Collector's kafkaexporter write). */
  topic?: string;
  /** `_GROUP_ID` (default `otel-logkit-collector`): every collector of one tier shares it. */
  groupId?: string;
  /** `_MAX_BATCH_RECORDS` (default 2048): records handed to the sink at once, at most (a message is never split). */
  maxBatchRecords?: number;
}

export interface KafkaSourceConfig {
  connection: KafkaConnection;
  topic: string;
  groupId: string;
  maxBatchRecords: number;
}

const GROUP_ID = /^[\x21-\x7e]{1,255}$/;

/**
 * Reads the collector's Kafka source: `OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS`, `_TOPIC`, `_GROUP_ID`,
 * `_MAX_BATCH_RECORDS`, and the connection settings every Kafka client of otel-logkit takes
 * (`_CLIENT_ID`, `_TIMEOUT`, `_SASL_MECHANISM`, `_USERNAME`, `_PASSWORD`, `_TLS`, `_CERTIFICATE`,
 * `_CLIENT_CERTIFICATE`, `_CLIENT_KEY`). Bad values fail here, at startup, naming the variable.
 *
 * @example
 * const config = parseKafkaSourceConfig(new SettingsReader(process.env));
 */
export function parseKafkaSourceConfig(read: SettingsReader = new SettingsReader(), options: KafkaSourceOptions = {}): KafkaSourceConfig {
  const prefix = 'OTEL_LOGKIT_COLLECTOR_KAFKA';
  const groupId = read.string(`${prefix}_GROUP_ID`, 'otel-logkit-collector', options.groupId);
  if (!GROUP_ID.test(groupId)) throw new ConfigError(`${prefix}_GROUP_ID`, groupId, 'a consumer group id: 1-255 printable characters without spaces');
  return {
    connection: readKafkaConnection(read, prefix, 'otel-logkit-collector', options),
    topic: checkTopic(`${prefix}_TOPIC`, read.string(`${prefix}_TOPIC`, 'otlp_logs', options.topic)),
    groupId,
    maxBatchRecords: read.int(`${prefix}_MAX_BATCH_RECORDS`, 2048, { min: 1, max: 1_000_000 }, options.maxBatchRecords),
  };
}
