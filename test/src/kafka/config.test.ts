import { describe, expect, it } from 'vitest';
import { SettingsReader } from '../../../src/core/env.js';
import { parseKafkaSourceConfig } from '../../../src/kafka/config.js';

const parse = (env: Record<string, string>) => parseKafkaSourceConfig(new SettingsReader(env));

describe('collector Kafka source settings (OTEL_LOGKIT_COLLECTOR_KAFKA_*)', () => {
  it('defaults to the topic the kafka destination writes and one group for the whole collector tier', () => {
    expect(parse({})).toEqual({
      connection: { brokers: ['localhost:9092'], clientId: 'otel-logkit-collector', timeoutMs: 10_000 },
      topic: 'otlp_logs',
      groupId: 'otel-logkit-collector',
      maxBatchRecords: 2048,
    });
  });

  it('reads its own variables, the connection ones included, never the destination’s', () => {
    const config = parse({
      OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: 'k1:9092,k2:9092',
      OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC: 'logs_prod',
      OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID: 'collectors-eu',
      OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS: '500',
      OTEL_LOGKIT_COLLECTOR_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      OTEL_LOGKIT_COLLECTOR_KAFKA_USERNAME: 'collector',
      OTEL_LOGKIT_COLLECTOR_KAFKA_PASSWORD: 'pw',
      OTEL_LOGKIT_KAFKA_BROKERS: 'not-this:1',
    });
    expect(config).toMatchObject({ topic: 'logs_prod', groupId: 'collectors-eu', maxBatchRecords: 500 });
    expect(config.connection).toMatchObject({ brokers: ['k1:9092', 'k2:9092'], sasl: { mechanism: 'scram-sha-256', username: 'collector', password: 'pw' } });
  });

  it.each([
    ['OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID', 'has space', /OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID=has space: expected a consumer group id/],
    ['OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC', '..', /OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC=\.\.: expected a Kafka topic name/],
    ['OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS', 'k1:', /OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS=k1:: expected a comma-separated list of host:port/],
    ['OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS', '0', /OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS=0: expected a whole number from 1/],
  ])('refuses %s=%s at startup', (name, value, message) => {
    expect(() => parse({ [name]: value })).toThrow(message);
  });
});
