import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { createLogPipeline, type LogValue } from '../../../src/index.js';
import { parseCollectorSettings } from '../../../src/collector/settings.js';
import { text } from '../../exporters/receiver.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function sendWithStockExporter(exporter: JsonExporter | ProtoExporter, bodies: string[]): Promise<void> {
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'stock-sender' }), processors: [new BatchLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('stock');
  for (const body of bodies) logger.emit({ severityNumber: SeverityNumber.WARN, body, attributes: { 'order.id': 'o-1' } });
  await provider.shutdown();
}

describe('collector: OTLP/HTTP in, the pipeline out', () => {
  it('accepts the stock OTLP/JSON exporter and forwards the records with their resource and attributes', async () => {
    running = await startCollector();
    await sendWithStockExporter(new JsonExporter({ url: running.url }), ['json one', 'json two']);
    await until(() => running!.backend.records.length === 2, 'two records at the backend');
    const [request] = running.backend.received.map((r) => r.request);
    const service = request!.resourceLogs![0]!.resource!.attributes!.find((a) => a.key === 'service.name');
    expect(text(service?.value)).toBe('stock-sender');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['json one', 'json two']);
    expect(running.backend.records[0]!.attributes!.find((a) => a.key === 'order.id')).toBeDefined();
    expect(running.collector.stats().collector).toMatchObject({ records_accepted: 2, answers: { 200: 1 } });
  });

  it('accepts the stock OTLP/protobuf exporter, gzip-compressed', async () => {
    running = await startCollector();
    await sendWithStockExporter(new ProtoExporter({ url: running.url, compression: 'gzip' as never }), ['proto one']);
    await until(() => running!.backend.records.length === 1, 'one record at the backend');
    expect(text(running.backend.records[0]!.body)).toBe('proto one');
  });

  it('accepts otel-logkit itself (protobuf, zstd) and redacts again what the sender did not', async () => {
    running = await startCollector();
    const sender = createLogPipeline({
      env: {
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: running.url,
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'zstd',
        OTEL_LOGKIT_REDACT: 'false',
        OTEL_BLRP_SCHEDULE_DELAY: '10',
      },
    });
    const provider = new LoggerProvider({ processors: sender.processors, resource: sender.resource });
    provider.getLogger('app').emit({ severityNumber: SeverityNumber.INFO, body: 'login', attributes: { password: 'hunter2' } });
    await provider.shutdown();
    await until(() => running!.backend.records.length === 1, 'one record at the backend');
    const password = running.backend.records[0]!.attributes!.find((a) => a.key === 'password');
    expect(text(password?.value)).not.toBe('hunter2');
  });

  it('passes every severity its senders send by default, even with the library threshold set; OTEL_LOGKIT_COLLECTOR_LEVEL sets its own', async () => {
    running = await startCollector({ OTEL_LOGKIT_TAIL: 'false', OTEL_LOGKIT_LEVEL: 'warn' });
    const records = [{ body: 'trace', severity: 1 }, { body: 'debug', severity: 5 }, { body: 'unspecified', severity: 0 }, { body: 'info', severity: 9 }];
    const answer = await post(running.url, otlpJson(records));
    expect(JSON.parse(answer.text)).not.toHaveProperty('partialSuccess.rejectedLogRecords');
    await until(() => running!.backend.records.length === 4, 'all four records');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['trace', 'debug', 'unspecified', 'info']);
    await running.close();
    running = await startCollector({ OTEL_LOGKIT_TAIL: 'false', OTEL_LOGKIT_COLLECTOR_LEVEL: 'DEBUG' });
    expect(JSON.parse((await post(running.url, otlpJson(records))).text)).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    expect(() => parseCollectorSettings({ env: { OTEL_LOGKIT_COLLECTOR_LEVEL: 'loud' } })).toThrow(/OTEL_LOGKIT_COLLECTOR_LEVEL/);
  });

  it('reports records refused by policy in partial_success and delivers the rest', async () => {
    running = await startCollector({ OTEL_LOGKIT_TAIL: 'false', OTEL_LOGKIT_COLLECTOR_LEVEL: 'info' });
    const answer = await post(running.url, otlpJson([{ body: 'kept', severity: 9 }, { body: 'debug noise', severity: 5 }]));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    await until(() => running!.backend.records.length === 1, 'the kept record');
    expect(text(running.backend.records[0]!.body)).toBe('kept');
  });

  it('serves /health and Prometheus self-metrics with the stats() counters', async () => {
    running = await startCollector();
    await post(running.url, otlpJson([{ body: 'counted' }]));
    const metricsUrl = running.info.metrics!;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^otel_logkit_collector_records_accepted 1$/m);
    expect(metrics).toMatch(/^otel_logkit_otlp_received \d+$/m);
    expect((await fetch(running.info.health.replace('/health', '/health/ready'))).status).toBe(200);
    expect((await fetch(metricsUrl.replace('/metrics', '/health/live'))).status).toBe(200);
  });
});

describe('collector: hostile input gets the documented answer while others keep delivering', () => {
  const limits = {
    OTEL_LOGKIT_COLLECTOR_MAX_REQUEST_BYTES: '64KiB',
    OTEL_LOGKIT_COLLECTOR_MAX_DECOMPRESSED_BYTES: '1MiB',
    OTEL_LOGKIT_COLLECTOR_MAX_RECORDS: '100',
    OTEL_LOGKIT_COLLECTOR_MAX_VALUE_BYTES: '1KiB',
    OTEL_LOGKIT_COLLECTOR_MAX_DEPTH: '8',
    OTEL_LOGKIT_COLLECTOR_TOKEN: 'let-me-in',
    OTEL_LOGKIT_COLLECTOR_HEADERS_TIMEOUT: '300',
    OTEL_LOGKIT_COLLECTOR_REQUEST_TIMEOUT: '600',
  };
  const auth = { authorization: 'Bearer let-me-in' };
  const json = { 'content-type': 'application/json', ...auth };

  it('answers each kind of bad request and still delivers the good client', async () => {
    running = await startCollector(limits);
    const url = running.url;
    // A well-behaved client sends all along, one request after another, while the hostile ones arrive.
    let hostileDone = false;
    const goodStatuses: number[] = [];
    const wellBehaved = (async () => {
      for (let i = 0; !hostileDone; i++) goodStatuses.push((await post(url, otlpJson([{ body: `steady-${i}` }]), json)).status);
    })();
    const bomb = Buffer.alloc(200 * 1024 * 1024, 0x20); // 200 MiB of spaces: ~200 KiB gzip, a few KiB zstd
    const zstdBomb = zstdCompressSync(bomb);
    const results = {
      // Within the compressed limit (the first 60 KiB of the stream), 60 MiB once inflated.
      gzipBomb: await post(url, gzipSync(bomb).subarray(0, 60 * 1024), { ...json, 'content-encoding': 'gzip' }),
      zstdBomb: await post(url, zstdBomb, { ...json, 'content-encoding': 'zstd' }),
      oversize: await post(url, Buffer.alloc(100 * 1024, 0x20), json),
      garbageProtobuf: await post(url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf', ...auth }),
      garbageJson: await post(url, '{"resourceLogs": [ {"scopeLogs": 7} ]}', json),
      notJson: await post(url, '{"resourceLogs": [', json),
      tooMany: await post(url, otlpJson(Array.from({ length: 101 }, (_, i) => ({ body: `r${i}` }))), json),
      tooDeep: await post(url, deepJson(20), json),
      tooDeepProtobuf: await post(url, deepProtobuf(20), { 'content-type': 'application/x-protobuf', ...auth }),
      wrongToken: await post(url, otlpJson([{ body: 'x' }]), { 'content-type': 'application/json', authorization: 'Bearer guess' }),
      noToken: await post(url, otlpJson([{ body: 'x' }])),
      oversizeValue: await post(url, otlpJson([{ body: 'x'.repeat(2048) }, { body: 'fine' }]), json),
      good: await post(url, otlpJson([{ body: 'well-behaved' }]), json),
    };
    hostileDone = true;
    await wellBehaved;
    expect(results.gzipBomb.status).toBe(413);
    expect(results.zstdBomb.status).toBe(413);
    expect(results.zstdBomb.text).toMatch(/decompressed body exceeds/);
    expect(results.oversize.status).toBe(413);
    expect(results.garbageProtobuf.status).toBe(400);
    expect(results.garbageJson.status).toBe(400);
    expect(JSON.parse(results.garbageJson.text).message).toMatch(/resourceLogs\[0\]\.scopeLogs: expected an array/);
    expect(results.notJson.status).toBe(400);
    expect(results.tooMany.status).toBe(413);
    expect(results.tooDeep.status).toBe(400);
    expect(results.tooDeepProtobuf.status).toBe(400);
    expect(results.tooDeepProtobuf.text).toMatch(/nested deeper than 8 levels/);
    expect(results.wrongToken.status).toBe(401);
    expect(results.noToken.status).toBe(401);
    expect(results.oversizeValue.status).toBe(200);
    expect(JSON.parse(results.oversizeValue.text)).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    expect(results.good.status).toBe(200);
    await until(() => running!.backend.records.some((r) => text(r.body) === 'well-behaved'), 'the good record');
    expect(goodStatuses.length).toBeGreaterThan(0);
    expect(goodStatuses.every((status) => status === 200)).toBe(true);
    await until(() => running!.backend.records.length === goodStatuses.length + 2, 'every steady record');
    const delivered = running.backend.records.map((r) => text(r.body));
    expect(delivered.filter((b) => !b!.startsWith('steady-')).sort()).toEqual(['fine', 'well-behaved']);
    expect(running.collector.stats().collector).toMatchObject({
      refused: { decompressed_too_large: 2, too_large: 1, malformed: 4, too_deep: 1, too_many_records: 1, unauthorized: 2 },
    });
  });

  it('answers 413 to an oversize body sent without Content-Length, counting while it reads', async () => {
    running = await startCollector(limits);
    const { port } = new URL(running.url);
    const status = await new Promise<number | string>((resolve) => {
      const req = httpRequest({ port, host: '127.0.0.1', path: '/v1/logs', method: 'POST', headers: json }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', (error) => resolve(error.message));
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(16 * 1024, 0x20)); // 128 KiB, chunked
      req.end();
    });
    expect(status).toBe(413);
    expect(running.collector.stats().collector).toMatchObject({ refused: { too_large: 1 } });
  });

  it('cuts a slow client that never finishes its headers (slowloris) while another client delivers', async () => {
    running = await startCollector(limits);
    const { port } = new URL(running.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\n');
    const cut = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.resume();
    const good = await post(running.url, otlpJson([{ body: 'meanwhile' }]), json);
    expect(good.status).toBe(200);
    await cut;

    expect(socket.destroyed).toBe(true);
  });

  it('cuts a slow client whose body never ends with 408', async () => {
    running = await startCollector(limits);
    const { port } = new URL(running.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer let-me-in\r\nContent-Length: 1000\r\n\r\n{"resourceLogs":`);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

function deepProtobuf(depth: number): Buffer {
  let body: LogValue = 'bottom';
  for (let i = 0; i < depth; i++) body = { k: body };
  const now = Date.now();
  return encodeOtlpProtobuf([
    { hrTime: [Math.floor(now / 1000), 0], hrTimeObserved: [Math.floor(now / 1000), 0], body, resource: resourceFromAttributes({}), instrumentationScope: { name: 'deep' }, attributes: {}, droppedAttributesCount: 0 },
  ]);
}

function deepJson(depth: number): string {
  let value: unknown = { stringValue: 'bottom' };
  for (let i = 0; i < depth; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: value }] }] }] });
}
