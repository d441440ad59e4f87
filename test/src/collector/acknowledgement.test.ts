import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackReceiver, text } from '../../exporters/receiver.js';
import { spawnCollector } from './child.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const records = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ body: `${prefix}-${i}` }));

describe('collector acknowledgement', () => {
  it('answers 429 with Retry-After when a destination queue is full, and drops nothing it acknowledged', async () => {
    running = await startCollector({
      OTEL_BLRP_MAX_QUEUE_SIZE: '30',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10',
      OTEL_LOGKIT_MAX_IN_FLIGHT: '1',
      OTEL_LOGKIT_COLLECTOR_RETRY_AFTER: '2',
      // The backend never answers: shutdown gives up on it quickly.
      OTEL_BLRP_EXPORT_TIMEOUT: '300',
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '300',
    });
    running.backend.answer = () => 'hang';
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      const answer = await post(running.url, otlpJson(records(`r${i}`, 10)));
      statuses.push(answer.status);
      if (answer.status !== 200) refused = answer;
    }
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('retry-after')).toBe('2');
    const otlp = running.collector.stats().otlp!;
    expect(otlp.dropped).toEqual({});
    expect(running.collector.stats().collector).toMatchObject({ refused: { queue_full: 1 } });
  });

  it('answers 503 when the spool nears its cap, before it would evict acknowledged batches', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'collector-spool-'));
    running = await startCollector({
      OTEL_LOGKIT_SPOOL_DIR: spool,
      OTEL_LOGKIT_SPOOL_MAX_BYTES: '64KiB',
      OTEL_LOGKIT_SPOOL_SEGMENT_BYTES: '8KiB',
      OTEL_LOGKIT_RETRY_MAX_ELAPSED: '600000',
    });
    running.backend.answer = () => ({ status: 503 });
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) status = (await post(running.url, otlpJson(records(`s${i}`, 20)))).status;
    expect(status).toBe(503);
    expect(running.collector.stats().otlp!.dropped).toEqual({});
    expect(running.collector.stats().collector).toMatchObject({ refused: { spool_full: 1 } });
  });

  it('keeps what it acknowledged through SIGKILL: a new collector on the same spool delivers it', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'collector-spool-'));
    const down = await LoopbackReceiver.start();
    down.answer = () => ({ status: 503 });
    const first = await spawnCollector({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: down.url, OTEL_LOGKIT_SPOOL_DIR: spool, OTEL_BLRP_SCHEDULE_DELAY: '60000' });
    const answer = await post(first.banner.endpoint, otlpJson(records('acked', 5)));
    expect(answer.status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;
    await down.close();
    running = await startCollector({ OTEL_LOGKIT_SPOOL_DIR: spool });
    await until(() => running!.backend.records.length === 5, 'the acknowledged records, replayed');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['acked-0', 'acked-1', 'acked-2', 'acked-3', 'acked-4']);
  });

  it('drains and flushes on SIGTERM: every acknowledged record reaches the backend before it exits 0', async () => {
    const backend = await LoopbackReceiver.start();
    const collector = await spawnCollector({
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url,
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      OTEL_LOGKIT_COLLECTOR_TOKEN: 's3cret-token',
    });
    expect(collector.banner).toMatchObject({ destinations: ['otlp'], auth: true, tls: false });
    expect((await post(collector.banner.endpoint, otlpJson(records('t', 3)), { 'content-type': 'application/json', authorization: 'Bearer s3cret-token' })).status).toBe(200);
    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);
    expect(backend.records.map((r) => text(r.body))).toEqual(['t-0', 't-1', 't-2']);
    expect(collector.output()).toMatch(/"message":"otel-logkit collector stopped","signal":"SIGTERM","records_accepted":3/);
    expect(collector.output()).not.toContain('s3cret-token');
    await backend.close();
  });
});

describe('collector shutdown in-process', () => {
  it('stops accepting, says not ready, answers the request it was reading, then flushes it', async () => {
    running = await startCollector({ OTEL_BLRP_SCHEDULE_DELAY: '60000' });
    const { port } = new URL(running.url);
    const health = running.info.metrics!.replace('/metrics', '/health/ready');
    const body = otlpJson(records('in-flight', 2));
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await until(() => running!.collector.stats().collector!.in_flight === 1, 'the request being read');
    const stopped = running.collector.stop();
    expect((await fetch(health)).status).toBe(503);
    socket.end(body.slice(10));
    await stopped;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['in-flight-0', 'in-flight-1']);
  });
});
