import { randomBytes } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startCollector,
  startLoki,
  startOpenSearch,
  type CollectorBackend,
  type LokiBackend,
  type OpenSearchBackend,
} from './backends.js';

// These tests prove the harness itself: each backend starts, accepts one hand-written request per
// protocol it speaks, gives it back through its own query API, and keeps it across a stop/start on
// the same data directory. The exporter tests build on the same handles.

const runId = randomBytes(6).toString('hex');
const traceId = '5b8efff798038103d269b633813fc60c';
const spanId = 'eee19b7ec3c1b174';

function nowNanos(): string {
  // A nanosecond timestamp whose last digits are not zero, to see whether a backend keeps them.
  return (BigInt(Date.now()) * 1_000_000n + 123_457n).toString();
}

function otlpJsonLogs(message: string, timeUnixNano: string): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e-harness' } }] },
        scopeLogs: [
          {
            scope: { name: 'otel-logkit-e2e' },
            logRecords: [
              {
                timeUnixNano,
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: message },
                attributes: [{ key: 'e2e.run', value: { stringValue: runId } }],
                traceId,
                spanId,
              },
            ],
          },
        ],
      },
    ],
  });
}

// OTLP/protobuf by hand: just the fields the JSON payload above carries, to prove the receiver's
// protobuf path without depending on the code under test.
function protoField(field: number, wireType: 0 | 1 | 2, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | wireType), wireType === 2 ? varint(payload.length) : Buffer.alloc(0), payload]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function otlpProtobufLogs(message: string, timeUnixNano: string): Buffer {
  const fixed64 = Buffer.alloc(8);
  fixed64.writeBigUInt64LE(BigInt(timeUnixNano));
  const str = (field: number, text: string) => protoField(field, 2, Buffer.from(text, 'utf8'));
  const anyString = (text: string) => str(1, text);
  const keyValue = (key: string, value: string) => Buffer.concat([str(1, key), protoField(2, 2, anyString(value))]);
  const logRecord = Buffer.concat([
    protoField(1, 1, fixed64),
    protoField(2, 0, varint(9)),
    str(3, 'INFO'),
    protoField(5, 2, anyString(message)),
    protoField(6, 2, keyValue('e2e.run', runId)),
    protoField(9, 2, Buffer.from(traceId, 'hex')),
    protoField(10, 2, Buffer.from(spanId, 'hex')),
  ]);
  const scopeLogs = Buffer.concat([protoField(1, 2, str(1, 'otel-logkit-e2e')), protoField(2, 2, logRecord)]);
  const resource = protoField(1, 2, keyValue('service.name', 'e2e-harness'));
  const resourceLogs = Buffer.concat([protoField(1, 2, resource), protoField(2, 2, scopeLogs)]);
  return protoField(1, 2, resourceLogs);
}

// Loki's protobuf push: a PushRequest, snappy-compressed. Snappy's block format allows a block made of
// one literal, which is all a hand-written payload needs.
function lokiProtobufPush(labels: string, line: string, time: string, metadata: Record<string, string>): Buffer {
  const ns = BigInt(time);
  const timestamp = Buffer.concat([
    protoField(1, 0, varint(Number(ns / 1_000_000_000n))),
    protoField(2, 0, varint(Number(ns % 1_000_000_000n))),
  ]);
  const str = (field: number, text: string) => protoField(field, 2, Buffer.from(text, 'utf8'));
  const entry = Buffer.concat([
    protoField(1, 2, timestamp),
    str(2, line),
    ...Object.entries(metadata).map(([name, value]) => protoField(3, 2, Buffer.concat([str(1, name), str(2, value)]))),
  ]);
  const stream = Buffer.concat([str(1, labels), protoField(2, 2, entry)]);
  return snappyLiteralBlock(protoField(1, 2, stream));
}

function snappyLiteralBlock(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(data.length - 1);
  return Buffer.concat([varint(data.length), Buffer.from([63 << 2]), length, data]);
}

interface ExportedRecord {
  timeUnixNano: string;
  severityText?: string;
  body?: { stringValue?: string };
  traceId?: string;
  spanId?: string;
}

function exportedRecords(exported: object[]): ExportedRecord[] {
  type Request = { resourceLogs?: { scopeLogs?: { logRecords?: ExportedRecord[] }[] }[] };
  return (exported as Request[]).flatMap((req) =>
    (req.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? [])),
  );
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers, body });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res;
}

describe('OpenTelemetry Collector (OTLP/HTTP receiver, file exporter)', () => {
  let collector: CollectorBackend;
  beforeAll(async () => {
    collector = await startCollector();
    console.log(`[e2e] collector ready in ${collector.lastStartMs} ms at ${collector.otlpHttpUrl}`);
  });
  afterAll(() => collector?.dispose());

  const send = (message: string, time: string, encoding?: 'gzip' | 'zstd') => {
    const json = otlpJsonLogs(message, time);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (encoding) headers['content-encoding'] = encoding;
    const body = encoding === 'gzip' ? gzipSync(json) : encoding === 'zstd' ? zstdCompressSync(json) : json;
    return post(`${collector.otlpHttpUrl}/v1/logs`, body, headers);
  };

  const findExported = (message: string) =>
    eventually(
      async () => exportedRecords(await collector.readExported()).filter((r) => r.body?.stringValue === message),
      (found) => found.length > 0,
    );

  it.each([undefined, 'gzip', 'zstd'] as const)('exports exactly what it accepted over OTLP/JSON (%s)', async (encoding) => {
    const message = `collector ${encoding ?? 'plain'} ${runId}`;
    const time = nowNanos();
    await send(message, time, encoding);
    const [record] = await findExported(message);
    expect(record).toMatchObject({ timeUnixNano: time, severityText: 'INFO', traceId, spanId });
  });

  it('exports exactly what it accepted over OTLP/protobuf', async () => {
    const message = `collector protobuf ${runId}`;
    const time = nowNanos();
    await post(`${collector.otlpHttpUrl}/v1/logs`, otlpProtobufLogs(message, time), {
      'content-type': 'application/x-protobuf',
    });
    const [record] = await findExported(message);
    expect(record).toMatchObject({ timeUnixNano: time, severityText: 'INFO', traceId, spanId });
  });

  it('stops answering while paused, and exports what it was sent once resumed', async () => {
    collector.pause();
    const message = `collector paused ${runId}`;
    const pending = send(message, nowNanos());
    const outcome = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(r, 1_500, 'silent'))]);
    expect(outcome).toBe('silent');
    collector.resume();
    await pending;
    await findExported(message);
  });

  it('keeps what it exported across a stop and start, and accepts again on the same URL', async () => {
    const before = `collector before restart ${runId}`;
    await send(before, nowNanos());
    await findExported(before);
    await collector.stop();
    await expect(send('while down', nowNanos())).rejects.toThrow();
    await collector.start();
    const after = `collector after restart ${runId}`;
    await send(after, nowNanos());
    await findExported(after);
    expect(await findExported(before)).toHaveLength(1);
  });
});

describe('OpenSearch (_bulk)', () => {
  let os: OpenSearchBackend;
  const index = `e2e-harness-${runId}`;
  beforeAll(async () => {
    os = await startOpenSearch();
    console.log(`[e2e] opensearch ready in ${os.lastStartMs} ms at ${os.baseUrl}`);
  });
  afterAll(() => os?.dispose());

  const bulk = (id: string, message: string) =>
    post(
      `${os.baseUrl}/_bulk`,
      [
        JSON.stringify({ create: { _index: index, _id: id } }),
        JSON.stringify({ '@timestamp': new Date().toISOString(), message, 'trace.id': traceId }),
        '',
      ].join('\n'),
      { 'content-type': 'application/x-ndjson' },
    ).then((res) => res.json() as Promise<{ errors: boolean; items: { create: { status: number } }[] }>);

  it('stores a bulk-created document once, and answers a repeat with a per-item 409', async () => {
    const first = await bulk(`${runId}-1`, `opensearch ${runId}`);
    expect(first.errors).toBe(false);
    const repeat = await bulk(`${runId}-1`, `opensearch ${runId}`);
    expect(repeat.errors).toBe(true);
    expect(repeat.items[0]!.create.status).toBe(409);
    const hits = await os.search(index, { match_phrase: { message: `opensearch ${runId}` } });
    expect(hits.map((h) => h._id)).toEqual([`${runId}-1`]);
    expect(hits[0]!._source).toMatchObject({ 'trace.id': traceId });
  });

  it('creates a data stream from an index template and stores bulk-created documents in it', async () => {
    const template = await fetch(`${os.baseUrl}/_index_template/e2e-harness-logs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index_patterns: ['logs-e2e-*'], data_stream: {}, priority: 100 }),
    });
    expect(template.status).toBe(200);
    const stream = `logs-e2e-${runId}`;
    const res = await post(
      `${os.baseUrl}/_bulk`,
      [
        JSON.stringify({ create: { _index: stream, _id: `${runId}-ds` } }),
        JSON.stringify({ '@timestamp': new Date().toISOString(), message: `data stream ${runId}` }),
        '',
      ].join('\n'),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(((await res.json()) as { errors: boolean }).errors).toBe(false);
    const hits = await os.search(stream);
    expect(hits.map((h) => h._id)).toEqual([`${runId}-ds`]);
    expect(hits[0]!._index).toMatch(/^\.ds-logs-e2e-/);
  });

  it('keeps its documents across a stop and start on the same data directory', async () => {
    await bulk(`${runId}-2`, `opensearch before restart ${runId}`);
    await os.stop();
    await os.start();
    console.log(`[e2e] opensearch restarted in ${os.lastStartMs} ms`);
    await bulk(`${runId}-3`, `opensearch after restart ${runId}`);
    const ids = (await os.search(index)).map((h) => h._id).sort();
    expect(ids).toEqual([`${runId}-1`, `${runId}-2`, `${runId}-3`]);
  });
});

describe('Loki (push API, LogQL)', () => {
  let loki: LokiBackend;
  beforeAll(async () => {
    loki = await startLoki();
    console.log(`[e2e] loki ready in ${loki.lastStartMs} ms at ${loki.baseUrl}`);
  });
  afterAll(() => loki?.dispose());

  const push = (line: string, time: string) =>
    post(
      `${loki.baseUrl}/loki/api/v1/push`,
      JSON.stringify({
        streams: [
          {
            stream: { service_name: 'e2e-harness', run: runId },
            values: [[time, line, { trace_id: traceId }]],
          },
        ],
      }),
      { 'content-type': 'application/json' },
    );

  const findLine = (line: string) =>
    eventually(
      async () =>
        (await loki.query(`{run="${runId}"}`)).flatMap((s) =>
          s.values.filter(([, l]) => l === line).map(([ts, l, meta]) => ({ stream: s.stream, ts, line: l, meta })),
        ),
      (found) => found.length > 0,
    );

  it('stores a pushed line with its nanosecond timestamp, labels and structured metadata', async () => {
    const time = nowNanos();
    const line = `loki ${runId}`;
    await push(line, time);
    const [entry] = await findLine(line);
    expect(entry!.ts).toBe(time);
    expect(entry!.stream).toMatchObject({ service_name: 'e2e-harness', run: runId, trace_id: traceId });
  });

  it('stores a line pushed as snappy-compressed protobuf', async () => {
    const time = nowNanos();
    const line = `loki protobuf ${runId}`;
    await post(
      `${loki.baseUrl}/loki/api/v1/push`,
      lokiProtobufPush(`{service_name="e2e-harness", run="${runId}"}`, line, time, { trace_id: traceId }),
      { 'content-type': 'application/x-protobuf' },
    );
    const [entry] = await findLine(line);
    expect(entry!.ts).toBe(time);
    expect(entry!.stream).toMatchObject({ service_name: 'e2e-harness', run: runId, trace_id: traceId });
  });

  it('keeps pushed lines across a stop and start on the same data directory', async () => {
    const before = `loki before restart ${runId}`;
    await push(before, nowNanos());
    await findLine(before);
    await loki.stop();
    await loki.start();
    console.log(`[e2e] loki restarted in ${loki.lastStartMs} ms`);
    const after = `loki after restart ${runId}`;
    await push(after, nowNanos());
    await findLine(after);
    expect(await findLine(before)).toHaveLength(1);
  });
});
