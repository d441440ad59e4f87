import { SeverityNumber, diag, DiagLogLevel } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline, resolveConfig, type LogkitOptions } from '../../../src/index.js';
import { LoopbackReceiver, text } from '../receiver.js';
import { generateCertificates, type TestCertificates } from '../tls.js';

const receivers: LoopbackReceiver[] = [];
async function receiver(tls?: Parameters<typeof LoopbackReceiver.start>[0]): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start(tls);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** The whole pipeline, configured only through variables, sending INFO records through the real SDK. */
async function send(env: Record<string, string>, n = 25, options: LogkitOptions = {}) {
  const pipeline = createLogPipeline({ env: { OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5', OTEL_LOGKIT_RETRY_MAX_ELAPSED: '3000', ...env }, ...options });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  const logger = provider.getLogger('otlp.spec');
  for (let i = 0; i < n; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `otlp ${i}`, attributes: { i } });
  await provider.shutdown();
  return pipeline.stats().otlp!;
}

describe('the OTLP/HTTP exporter', () => {
  for (const [protocol, compression, contentType, encoding] of [
    ['http/protobuf', 'gzip', 'application/x-protobuf', 'gzip'],
    ['http/protobuf', 'zstd', 'application/x-protobuf', 'zstd'],
    ['http/json', 'none', 'application/json', undefined],
    ['http/json', 'gzip', 'application/json', 'gzip'],
  ] as const) {
    it(`sends ${protocol} with ${compression} compression that a receiver decodes record for record`, async () => {
      const r = await receiver();
      const stats = await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_COMPRESSION: compression });
      expect(r.records.map((x) => text(x.body))).toEqual(Array.from({ length: 25 }, (_, i) => `otlp ${i}`));
      expect(r.received[0]!.headers['content-type']).toBe(contentType);
      expect(r.received[0]!.headers['content-encoding']).toBe(encoding);
      expect(stats).toMatchObject({ received: 25, exported: 25, failed: 0 });
    });
  }

  it('reuses one keep-alive connection for successive batches', async () => {
    const r = await receiver();
    await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '5', OTEL_LOGKIT_MAX_IN_FLIGHT: '1' }, 40);
    expect(r.requests).toBe(8);
    expect(r.connections).toBe(1);
  });

  it('appends /v1/logs to OTEL_EXPORTER_OTLP_ENDPOINT but uses OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as is', () => {
    const endpoint = (env: Record<string, string>) => resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'otlp', ...env } }).delivery.otlp!.endpoint.href;
    expect(endpoint({})).toBe('http://localhost:4318/v1/logs');
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/logs');
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/' })).toBe('https://gw.example/otlp/v1/logs');
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://b:9999/custom' })).toBe('http://b:9999/custom');
  });

  it('sends the configured headers, the logs-specific ones winning', async () => {
    const r = await receiver();
    await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,x-shared=generic', OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-shared=logs%20only' }, 1);
    expect(r.received[0]!.headers).toMatchObject({ 'x-tenant': 'a', 'x-shared': 'logs only' });
  });

  it('refuses bad settings at startup with an error naming the variable and the accepted form', () => {
    expect(() => resolveConfig({ env: { OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'thrift' } })).toThrow(
      expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID', message: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=thrift: expected one of http/protobuf, http/json, grpc' }),
    );
    expect(() => resolveConfig({ env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' } })).toThrow('OTEL_EXPORTER_OTLP_COMPRESSION=brotli: expected one of none, gzip, zstd');
    expect(() => resolveConfig({ env: { OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: '/nonexistent/ca.pem' } })).toThrow(/OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE=\/nonexistent\/ca.pem: expected the path of a readable file/);
  });

  it('never shows header credentials in diagnostics, even when the backend refuses them', async () => {
    const r = await receiver();
    r.answer = (n) => (n === 0 ? { status: 503 } : { status: 401, body: 'denied' });
    const lines: string[] = [];
    const sink = (...args: unknown[]) => void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '));
    diag.setLogger({ error: sink, warn: sink, info: sink, debug: sink, verbose: sink }, DiagLogLevel.ALL);
    try {
      const stats = await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20sup3r-s3cret' }, 3);
      expect(stats).toMatchObject({ failed: 3 });
    } finally {
      diag.disable();
    }
    expect(lines.join('\n')).toMatch(/401/);
    expect(lines.join('\n')).not.toContain('sup3r-s3cret');
    expect(() => resolveConfig({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization' } })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('authorization') }));
  });

  describe('over TLS', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = generateCertificates();
    });
    afterAll(() => {});

    it('trusts a custom CA from OTEL_EXPORTER_OTLP_CERTIFICATE', async () => {
      const r = await receiver({ cert: certs.serverCert, key: certs.serverKey });
      const stats = await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caPath }, 5);
      expect(r.records).toHaveLength(5);
      expect(stats).toMatchObject({ exported: 5 });
    });

    it('presents the client certificate for mTLS, and a server requiring one gets nothing without it', async () => {
      const r = await receiver({ cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true, rejectUnauthorized: true });
      const withCert = await send(
        { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caPath, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCertPath, OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKeyPath },
        4,
      );
      expect(withCert).toMatchObject({ exported: 4 });
      const without = await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caPath, OTEL_LOGKIT_RETRY_MAX_ELAPSED: '50' }, 2);
      expect(without).toMatchObject({ exported: 0, failed: 2 });
      expect(r.records).toHaveLength(4);
    });

    it('does not trust an unknown CA', async () => {
      const r = await receiver({ cert: certs.serverCert, key: certs.serverKey });
      const stats = await send({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: r.url, OTEL_LOGKIT_RETRY_MAX_ELAPSED: '50' }, 2);
      expect(stats).toMatchObject({ exported: 0, failed: 2 });
      expect(r.records).toHaveLength(0);
    });
  });
});
