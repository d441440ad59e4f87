import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestFrameReader } from '../../../exporters/codec/request-frames.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import { type Collector, createCollector } from '../../../src/collector/collector.js';
import { post, until } from './harness.js';
import { field } from '../../exporters/codec/hand-made-protobuf.js';

// The collector's byte path: a record no stage changes leaves as the bytes it came in as, even bytes
// our own encoder would never write (an unknown field, fields out of order); a record redaction
// changes is encoded again, redacted.

let collector: Collector | undefined;
let sink: Server | undefined;
afterEach(async () => {
  await collector?.stop();
  sink?.closeAllConnections();
  await new Promise((resolve) => sink?.close(resolve) ?? resolve(undefined));
  collector = sink = undefined;
});

/** A backend that keeps each request body as it arrived (decompressed). */
async function rawSink(): Promise<{ url: string; bodies: Buffer[] }> {
  const bodies: Buffer[] = [];
  sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/logs`, bodies };
}

function stringValue(text: string): Buffer {
  return field(1, Buffer.from(text));
}

function keyValue(key: string, value: string): Buffer {
  return Buffer.concat([field(1, Buffer.from(key)), field(2, stringValue(value))]);
}

function attribute(key: string, value: string): Buffer {
  return field(6, keyValue(key, value));
}

/** A LogRecord message written as no encoder of ours would: attributes first, an unknown field 15, the time last. */
function unusualRecord(body: string, attributes: Buffer[]): Buffer {
  const time = Buffer.alloc(9);
  time[0] = (1 << 3) | 1;
  time.writeBigUInt64LE(BigInt(Date.now()) * 1_000_000n, 1);
  return Buffer.concat([...attributes, Buffer.from([(15 << 3) | 0, 42]), Buffer.from([(2 << 3) | 0, 9]), field(5, stringValue(body)), time]);
}

function request(...logRecords: Buffer[]): Buffer {
  const resource = field(1, keyValue('service.name', 'byte-sender')); // Resource.attributes
  const scopeLogs = Buffer.concat([field(1, field(1, Buffer.from('raw-scope'))), ...logRecords.map((m) => field(2, m))]);
  return field(1, Buffer.concat([field(1, resource), field(2, scopeLogs)]));
}

describe('collector byte path', () => {
  it('sends a pass-through record byte for byte, and a redacted one encoded again', async () => {
    const backend = await rawSink();
    collector = createCollector({
      env: {
        OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0',
        OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none',
        OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url,
        OTEL_BLRP_SCHEDULE_DELAY: '10',
        OTEL_SERVICE_NAME: 'collector-under-test',
      },
    });
    const info = await collector.start();
    const plain = unusualRecord('order placed', [attribute('order.id', 'o-1')]);
    const secret = unusualRecord('login', [attribute('password', 'hunter2')]);
    const answer = await post(info.endpoint, request(plain, secret), { 'content-type': 'application/x-protobuf' });
    expect(answer.status).toBe(200);
    await until(() => backend.bodies.length > 0, 'the forwarded request');

    const [passed, redacted] = new RequestFrameReader({ maxValueBytes: 1 << 20, maxDepth: 32 }).read(backend.bodies[0]!).records;
    // The field as it came in: tag, length, message — unknown field and order included.
    expect(Buffer.from(keptEncodingOf(passed!)!).equals(field(2, plain))).toBe(true);
    expect(Buffer.from(keptEncodingOf(redacted!)!).equals(field(2, secret))).toBe(false);
    expect(redacted!.body).toBe('login');
    expect(redacted!.attributes.password).not.toBe('hunter2');
    expect(passed!.resource.attributes['service.name']).toBe('byte-sender');
  });
});
