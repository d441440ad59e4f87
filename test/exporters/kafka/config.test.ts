import { describe, expect, it } from 'vitest';
import { SettingsReader } from '../../../src/core/env.js';
import { ConfigError } from '../../../src/core/errors.js';
import { parseKafkaExporterConfig } from '../../../exporters/kafka/config.js';
import { kafkaClientOptions } from '../../../exporters/kafka/connection.js';
import { kafkaDestination } from '../../../exporters/kafka/index.js';
import { parseRoutes } from '../../../exporters/routing/config.js';
import { DESTINATIONS, EXPORTER_NAMES } from '../../../exporters/registry.js';
import { generateCertificates } from '../tls.js';

const parse = (env: Record<string, string>, options = {}) => parseKafkaExporterConfig(new SettingsReader(env), options);

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('kafka destination settings', () => {
  it('is a destination of the registry: OTEL_LOGS_EXPORTER=kafka, and routes may name a topic of their own', () => {
    expect(EXPORTER_NAMES).toContain('kafka');
    const [rule] = parseRoutes('log.type=audit -> kafka(topic=audit_logs)', DESTINATIONS);
    expect(rule!.targets).toEqual([{ exporter: 'kafka', options: { topic: 'audit_logs' }, key: 'kafka_topic_audit_logs' }]);
    expect(kafkaDestination.checkRouteOptions!({ partition: '1' })).toMatch(/kafka takes topic, not "partition"/);
    expect(kafkaDestination.checkRouteOptions!({ topic: 'no spaces' })).toMatch(/topic=no spaces: expected a Kafka topic name/);
  });

  it('defaults to localhost:9092, topic otlp_logs (the Collector default), no compression, plaintext, no SASL', () => {
    expect(parse({})).toEqual({
      connection: { brokers: ['localhost:9092'], clientId: 'otel-logkit', timeoutMs: 10_000 },
      topic: 'otlp_logs',
      compression: 'none',
    });
  });

  it('reads brokers, topic, client id, timeout and compression, and a code option wins over its variable', () => {
    const config = parse(
      { OTEL_LOGKIT_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094', OTEL_LOGKIT_KAFKA_TOPIC: 'logs.prod', OTEL_LOGKIT_KAFKA_CLIENT_ID: 'checkout', OTEL_LOGKIT_KAFKA_TIMEOUT: '3000', OTEL_LOGKIT_KAFKA_COMPRESSION: 'ZSTD' },
      { topic: 'logs.override' },
    );
    expect(config.connection).toMatchObject({ brokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'], clientId: 'checkout', timeoutMs: 3000 });
    expect(config.topic).toBe('logs.override');
    expect(config.compression).toBe('zstd');
  });

  it.each([
    ['OTEL_LOGKIT_KAFKA_BROKERS', 'kafka-1', /OTEL_LOGKIT_KAFKA_BROKERS=kafka-1: expected a comma-separated list of host:port/],
    ['OTEL_LOGKIT_KAFKA_BROKERS', 'kafka:99999', /expected a comma-separated list of host:port/],
    ['OTEL_LOGKIT_KAFKA_TOPIC', 'logs/prod', /OTEL_LOGKIT_KAFKA_TOPIC=logs\/prod: expected a Kafka topic name/],
    ['OTEL_LOGKIT_KAFKA_COMPRESSION', 'brotli', /OTEL_LOGKIT_KAFKA_COMPRESSION=brotli: expected one of none, gzip, snappy, lz4, zstd/],
    ['OTEL_LOGKIT_KAFKA_SASL_MECHANISM', 'gssapi', /expected one of none, plain, scram-sha-256, scram-sha-512/],
  ])('refuses %s=%s at startup, naming the variable and the accepted form', (name, value, message) => {
    expect(configError(() => parse({ [name]: value })).message).toMatch(message);
  });

  it('hands SASL credentials to the client as it spells the mechanism, and never shows the password in an error', () => {
    const config = parse({ OTEL_LOGKIT_KAFKA_SASL_MECHANISM: 'scram-sha-512', OTEL_LOGKIT_KAFKA_USERNAME: 'svc', OTEL_LOGKIT_KAFKA_PASSWORD: 's3cret-pw' });
    expect(kafkaClientOptions(config.connection).sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'svc', password: 's3cret-pw' });

    const missing = configError(() => parse({ OTEL_LOGKIT_KAFKA_SASL_MECHANISM: 'plain', OTEL_LOGKIT_KAFKA_USERNAME: 'svc' }));
    expect(missing.setting).toBe('OTEL_LOGKIT_KAFKA_PASSWORD');
    const unused = configError(() => parse({ OTEL_LOGKIT_KAFKA_USERNAME: 'svc', OTEL_LOGKIT_KAFKA_PASSWORD: 's3cret-pw' }));
    expect(unused.message).toMatch(/OTEL_LOGKIT_KAFKA_SASL_MECHANISM=none: expected plain, scram-sha-256 or scram-sha-512/);
    expect(`${missing.message} ${unused.message}`).not.toContain('s3cret-pw');
  });

  it('turns TLS on with a certificate, or with OTEL_LOGKIT_KAFKA_TLS=true alone (system CAs); a client certificate needs its key', () => {
    const { caPath, clientCertPath: certPath, clientKeyPath: keyPath } = generateCertificates();
    const withCa = parse({ OTEL_LOGKIT_KAFKA_CERTIFICATE: caPath });
    expect(withCa.connection.tls?.ca).toBeInstanceOf(Buffer);
    expect(kafkaClientOptions(withCa.connection).tls?.ca).toEqual(withCa.connection.tls!.ca);
    expect(parse({ OTEL_LOGKIT_KAFKA_TLS: 'true' }).connection.tls).toEqual({ ca: undefined, cert: undefined, key: undefined });
    expect(parse({}).connection.tls).toBeUndefined();
    expect(parse({ OTEL_LOGKIT_KAFKA_CLIENT_CERTIFICATE: certPath, OTEL_LOGKIT_KAFKA_CLIENT_KEY: keyPath }).connection.tls?.key).toBeInstanceOf(Buffer);
    expect(configError(() => parse({ OTEL_LOGKIT_KAFKA_CLIENT_CERTIFICATE: certPath })).setting).toBe('OTEL_LOGKIT_KAFKA_CLIENT_CERTIFICATE');
    expect(configError(() => parse({ OTEL_LOGKIT_KAFKA_TLS: 'false', OTEL_LOGKIT_KAFKA_CERTIFICATE: caPath })).setting).toBe('OTEL_LOGKIT_KAFKA_TLS');
  });
});
