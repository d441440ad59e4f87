import { status } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OtlpGrpcProtocol } from '../../../exporters/otlp/grpc-protocol.js';
import { createLogPipeline, resolveConfig } from '../../../src/index.js';
import { text } from '../receiver.js';
import { generateCertificates, type TestCertificates } from '../tls.js';
import { GrpcLoopbackReceiver } from './grpc-receiver.js';

const receivers: GrpcLoopbackReceiver[] = [];
async function receiver(): Promise<GrpcLoopbackReceiver> {
  const r = await GrpcLoopbackReceiver.start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** The whole pipeline over OTLP/gRPC, configured only through variables, sending INFO records through the real SDK. */
async function send(env: Record<string, string>, n = 25) {
  const pipeline = createLogPipeline({
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5', OTEL_LOGKIT_RETRY_MAX_ELAPSED: '3000', ...env },
  });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  const logger = provider.getLogger('otlp.grpc');
  for (let i = 0; i < n; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `grpc ${i}`, attributes: { i } });
  await provider.shutdown();
  return pipeline.stats().otlp!;
}

const bodies = (r: GrpcLoopbackReceiver) => r.records.map((x) => text(x.body));
const expected = (n: number) => Array.from({ length: n }, (_, i) => `grpc ${i}`);

describe('the OTLP/gRPC exporter (OTEL_EXPORTER_OTLP_PROTOCOL=grpc)', () => {
  it('calls LogsService/Export on a real gRPC server, record for record, with the configured headers as metadata', async () => {
    const r = await receiver();
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_HEADERS: 'X-Tenant=a,authorization=Bearer%20t0k' });
    expect(bodies(r)).toEqual(expected(25));
    expect(r.received[0]!.metadata).toMatchObject({ 'x-tenant': 'a', authorization: 'Bearer t0k' });
    expect(r.received[0]!.metadata['user-agent']).toMatch(/^otel-logkit/);
    expect(stats).toMatchObject({ received: 25, exported: 25, failed: 0, retried: 0 });
  });

  it('compresses messages with gzip when asked (fewer bytes on the wire, the same records)', async () => {
    const sent: Record<string, number> = {};
    for (const compression of ['none', 'gzip']) {
      const r = await receiver();
      const proxy = await countingProxy(r.url);
      await send({ OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_EXPORTER_OTLP_COMPRESSION: compression, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '200' }, 200);
      proxy.close();
      expect(bodies(r)).toEqual(expected(200));
      sent[compression] = proxy.bytes();
    }
    expect(sent.gzip).toBeLessThan(sent.none! / 2);
  });

  it('retries the statuses the OTLP spec names retryable, and delivers once the server accepts', async () => {
    const r = await receiver();
    const retryable = [status.UNAVAILABLE, status.CANCELLED, status.ABORTED, status.OUT_OF_RANGE, status.DATA_LOSS, status.DEADLINE_EXCEEDED];
    r.answer = (n) => (n < retryable.length ? { code: retryable[n]! } : { code: status.OK });
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' }, 10);
    expect(r.calls).toBe(retryable.length + 1);
    expect(bodies(r)).toEqual(expected(10));
    expect(stats).toMatchObject({ exported: 10, failed: 0, retried: 10 * retryable.length });
  });

  it('retries RESOURCE_EXHAUSTED only when the server sends RetryInfo, waiting the delay it asks', async () => {
    const r = await receiver();
    r.answer = (n) => (n === 0 ? { code: status.RESOURCE_EXHAUSTED, retryDelayMs: 300 } : { code: status.OK });
    const started = Date.now();
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' }, 5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(stats).toMatchObject({ exported: 5, retried: 5, failed: 0 });

    const refusing = await receiver();
    refusing.answer = () => ({ code: status.RESOURCE_EXHAUSTED, details: 'quota exceeded' });
    const refused = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: refusing.url, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' }, 5);
    expect(refusing.calls).toBe(1);
    expect(refused).toMatchObject({ exported: 0, retried: 0, failed: 5, failed_reasons: { rate_limited: 5 } });
  });

  it('refuses for good what the server calls invalid, with the reason in stats and the batch in the dead-letter directory', async () => {
    const r = await receiver();
    r.answer = () => ({ code: status.INVALID_ARGUMENT, details: 'bad record' });
    const deadLetters = mkdtempSync(join(tmpdir(), 'logkit-grpc-dlq-'));
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_LOGKIT_DEAD_LETTER_DIR: deadLetters }, 3);
    expect(r.calls).toBe(1);
    expect(stats).toMatchObject({ exported: 0, dead_lettered: 3, dead_lettered_reasons: { refused: 3 } });
  });

  it('counts a partial success as rejected records', async () => {
    const r = await receiver();
    r.answer = () => ({ code: status.OK, rejected: 2, message: 'two too old' });
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' }, 10);
    expect(stats).toMatchObject({ exported: 8, rejected: 2, failed: 0 });
  });

  it('spools while nothing listens, and the next start replays the spooled batches over gRPC', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'logkit-grpc-spool-'));
    const closed = await closedPort();
    const first = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`, OTEL_LOGKIT_SPOOL_DIR: spool, OTEL_BLRP_EXPORT_TIMEOUT: '1000' }, 7);
    expect(first).toMatchObject({ exported: 0, failed: 0 });
    expect(first.spooled).toBeGreaterThanOrEqual(7);

    const r = await receiver();
    const second = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_LOGKIT_SPOOL_DIR: spool }, 0);
    expect(bodies(r)).toEqual(expected(7));
    expect(second).toMatchObject({ replayed: 7, failed: 0 });
  });

  describe('over TLS (https:// endpoint)', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = generateCertificates();
    });

    it('trusts the CA of OTEL_EXPORTER_OTLP_CERTIFICATE and presents the client certificate for mTLS; without it a server requiring one gets nothing', async () => {
      const r = await GrpcLoopbackReceiver.start({ cert: certs.serverCert, key: certs.serverKey, ca: certs.ca });
      receivers.push(r);
      const tls = { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caPath };
      const withCert = await send({ ...tls, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCertPath, OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKeyPath }, 4);
      expect(withCert).toMatchObject({ exported: 4, failed: 0 });
      const without = await send({ ...tls, OTEL_LOGKIT_RETRY_MAX_ELAPSED: '100' }, 2);
      expect(without).toMatchObject({ exported: 0, failed: 2 });
      expect(bodies(r)).toEqual(expected(4));
    });
  });

  it('gives up on an unreachable server as a network failure, counted by reason, and names the error plainly', async () => {
    const closed = await closedPort();
    const stats = await send({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`, OTEL_LOGKIT_RETRY_MAX_ELAPSED: '200' }, 4);
    expect(stats).toMatchObject({ exported: 0, failed: 4, failed_reasons: { network: 4 } });
  });
});

describe('OTLP/gRPC configuration', () => {
  const config = (env: Record<string, string>) => resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'otlp', ...env } }).delivery.otlp!;

  it('takes grpc from the generic or the logs-specific variable, on http://localhost:4317 by default, endpoints used as they are', () => {
    expect(config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({ protocol: 'grpc', endpoint: new URL('http://localhost:4317') });
    expect(config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc' }).protocol).toBe('grpc');
    expect(config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }).endpoint.href).toBe('https://collector:4317/');
    expect(config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://a:5317' }).endpoint.href).toBe('http://a:5317/');
  });

  it('refuses zstd with grpc at startup, naming the variable', () => {
    expect(() => config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'zstd' })).toThrow(
      'OTEL_EXPORTER_OTLP_LOGS_COMPRESSION=zstd: expected none or gzip with OTEL_EXPORTER_OTLP_PROTOCOL=grpc (gRPC has no zstd)',
    );
    expect(() => config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpcx' })).toThrow('OTEL_EXPORTER_OTLP_PROTOCOL=grpcx: expected one of http/protobuf, http/json, grpc');
  });
});

describe('OTLP/gRPC answers', () => {
  const protocol = new OtlpGrpcProtocol();
  const classify = (code: number, headers: Record<string, string> = {}) => protocol.classify({ status: code, headers: { 'grpc-message': 'm', ...headers }, body: Buffer.alloc(0) });

  it('dead-letters what resending cannot fix, and splits a message larger than the server takes', () => {
    for (const code of [status.INVALID_ARGUMENT, status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.NOT_FOUND, status.FAILED_PRECONDITION]) {
      expect(classify(code)).toMatchObject({ kind: 'dead-letter', reason: 'refused' });
    }
    for (const code of [status.INTERNAL, status.UNKNOWN, status.UNIMPLEMENTED]) expect(classify(code)).toMatchObject({ kind: 'dead-letter', reason: 'server_error' });
    expect(classify(status.RESOURCE_EXHAUSTED, { 'grpc-message': 'Received message larger than max (5000000 vs. 4194304)' })).toMatchObject({ kind: 'split', reason: 'too_large' });
  });
});

/** A TCP relay in front of the receiver that counts the bytes the client sends. */
async function countingProxy(target: string): Promise<{ url: string; bytes: () => number; close: () => void }> {
  const { hostname, port } = new URL(target);
  let bytes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => (bytes += chunk.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    bytes: () => bytes,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
