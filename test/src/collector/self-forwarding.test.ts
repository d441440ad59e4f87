import { describe, expect, it } from 'vitest';
import { createCollector } from '../../../src/collector/collector.js';
import { ConfigError } from '../../../src/core/errors.js';

/** The collector's own receivers on their defaults, with nothing else of the test machine. */
const defaults = { OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none' };

function refusal(env: Record<string, string>): ConfigError {
  try {
    createCollector({ env: { ...defaults, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the collector was created');
}

describe('a collector whose destination is itself', () => {
  it('on its defaults (receiver 127.0.0.1:4318, otlp to localhost:4318) is refused at start-up, saying so and naming both variables', () => {
    const error = refusal({});
    expect(error.setting).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(error.message).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=(default) http://localhost:4318/v1/logs');
    expect(error.message).toContain('receives OTLP/HTTP on 127.0.0.1:4318 (OTEL_LOGKIT_COLLECTOR_ENDPOINT)');
    expect(error.message).toContain('forwarded to itself');
  });

  it.each([
    ['http://127.0.0.1:4318', '0.0.0.0:4318'],
    ['http://localhost:4318', '127.0.0.1:4318'],
    ['http://[::1]:4318', '[::]:4318'],
    ['http://0.0.0.0:4318', 'localhost:4318'],
  ])('refuses OTEL_EXPORTER_OTLP_ENDPOINT=%s with the receiver on %s', (endpoint, receiver) => {
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOGKIT_COLLECTOR_ENDPOINT: receiver }).setting).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('refuses a gRPC destination on its own gRPC receiver, and a Loki endpoint on its HTTP port', () => {
    const grpc = refusal({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317', OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0' });
    expect(grpc.message).toContain('receives OTLP/gRPC on 127.0.0.1:4317 (OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT)');
    const loki = refusal({ OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_LOKI_ENDPOINT: 'http://127.0.0.1:4318', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none' });
    expect(loki.setting).toBe('OTEL_LOGKIT_LOKI_ENDPOINT');
  });

  it('accepts a destination on another port or another host, and receivers on port 0', () => {
    expect(() => createCollector({ env: { ...defaults, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://backend.internal:4318' } })).not.toThrow();
    expect(() => createCollector({ env: { ...defaults, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:14318' } })).not.toThrow();
    expect(() => createCollector({ env: { ...defaults, OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: '127.0.0.1:0' } })).not.toThrow();
  });
});
