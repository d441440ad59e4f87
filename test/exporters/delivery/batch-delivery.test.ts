import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { EncodedBatch } from '../../../exporters/codec/encoded-batch.js';
import { BatchDelivery, type BackoffGate } from '../../../exporters/delivery/batch-delivery.js';
import { DeadLetterDirectory } from '../../../exporters/delivery/dead-letter.js';
import { DeliveryStats } from '../../../exporters/delivery/delivery-stats.js';
import { OutgoingBatch } from '../../../exporters/delivery/outgoing-batch.js';
import { RetryPolicy } from '../../../exporters/delivery/retry.js';
import { HttpTransport, type Transport, type TransportVerdict } from '../../../exporters/delivery/transport.js';
import type { Protocol, WireRequest } from '../../../exporters/delivery/protocol.js';
import { attributeOf } from '../../../src/core/record-encoding.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { record } from '../records.js';
import { LoopbackReceiver, text } from '../receiver.js';

function batchOf(n: number): OutgoingBatch {
  const encoded = new EncodedBatch();
  for (let i = 0; i < n; i++) encoded.add(record(`record ${i}`));
  return OutgoingBatch.fromEncoded(encoded, new OtlpProtobufDecoder());
}

/** A stage stand-in: records every backoff asked for and sleeps a little of it; `stopping` as at shutdown. */
class TestGate implements BackoffGate {
  stopping = false;
  readonly waits: number[] = [];
  async wait(ms: number): Promise<void> {
    this.waits.push(ms);
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10)));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function receiver(): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  cleanups.push(() => r.close());
  return r;
}

/** One BatchDelivery to `url`, alone: no stage, no queue. */
function delivery(url: string, options: { durable?: boolean; deadLetterDir?: string; timeoutMs?: number; maxElapsedMs?: number; compression?: 'none' | 'gzip' } = {}) {
  const stats = new DeliveryStats();
  const gate = new TestGate();
  const transport = new HttpTransport(new URL(url), { headers: {}, timeoutMs: options.timeoutMs ?? 2000, tls: {} }, 2);
  cleanups.push(() => transport.close());
  const batchDelivery = new BatchDelivery({
    name: 'otlp',
    protocol: new OtlpProtocol('http/protobuf', options.compression ?? 'none'),
    transport,
    retry: new RetryPolicy({ initialBackoffMs: 5, maxBackoffMs: 5000, maxElapsedMs: options.maxElapsedMs ?? 10_000 }),
    stats,
    deadLetter: options.deadLetterDir ? new DeadLetterDirectory(options.deadLetterDir, 'otlp') : undefined,
    durable: options.durable ?? false,
    gate,
  });
  return { batchDelivery, gate, stats: () => stats.read(0, 0, 0, 0, 1) };
}

describe('one batch delivery', () => {
  it('settles a batch the backend accepts, sent once and counted exported', async () => {
    const r = await receiver();
    const { batchDelivery, stats } = delivery(r.url);
    expect(await batchDelivery.deliver(batchOf(4))).toBe('settled');
    expect(r.requests).toBe(1);
    expect(r.records.map((x) => text(x.body))).toEqual(['record 0', 'record 1', 'record 2', 'record 3']);
    expect(stats()).toMatchObject({ exported: 4, retried: 0, failed: 0 });
  });

  it('retries transient answers with the wait Retry-After asks, compressing the body once for every attempt', async () => {
    const r = await receiver();
    r.answer = (n) => [{ status: 429, headers: { 'retry-after': '2' } }, { status: 503 }, { status: 200 }][n]!;
    const { batchDelivery, gate, stats } = delivery(r.url, { compression: 'gzip' });
    expect(await batchDelivery.deliver(batchOf(3))).toBe('settled');
    expect(gate.waits[0]).toBe(2000);
    expect(gate.waits).toHaveLength(2);
    expect([...r.refused, ...r.received].map((x) => x.headers['content-encoding'])).toEqual(['gzip', 'gzip', 'gzip']);
    expect(r.records).toHaveLength(3);
    expect(stats()).toMatchObject({ exported: 3, retried: 6, failed: 0 });
  });

  it('refuses a 500 at once and, without a dead-letter directory, counts it failed as server_error', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 500, body: 'boom' });
    const { batchDelivery, stats } = delivery(r.url);
    expect(await batchDelivery.deliver(batchOf(2))).toBe('settled');
    expect(r.requests).toBe(1);
    expect(stats()).toMatchObject({ failed: 2, failed_reasons: { server_error: 2 }, dead_lettered: 0 });
  });

  it('dead-letters a single record still too large after splitting, with the code and the answer', async () => {
    const r = await receiver();
    const dir = mkdtempSync(join(tmpdir(), 'logkit-dlq-'));
    r.answer = () => ({ status: 413, body: 'request entity too large' });
    const { batchDelivery, stats } = delivery(r.url, { deadLetterDir: dir });
    await batchDelivery.deliver(batchOf(2));
    expect(r.requests).toBe(3); // the pair, then each half alone
    expect(stats()).toMatchObject({ dead_lettered: 2, dead_lettered_reasons: { too_large: 2 }, failed: 0 });
    const entries = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(entries.map((e) => [e.code, e.reason, e.response.status])).toEqual([
      ['too_large', '413: request entity too large', 413],
      ['too_large', '413: request entity too large', 413],
    ]);
  });

  it('at shutdown gives a failing batch up, counted by its last reason; with a spool it is kept for the next start instead', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 503 });
    const plain = delivery(r.url);
    plain.gate.stopping = true;
    expect(await plain.batchDelivery.deliver(batchOf(3))).toBe('settled');
    expect(plain.stats()).toMatchObject({ failed: 3, failed_reasons: { unavailable: 3 } });

    const spooled = delivery(r.url, { durable: true });
    spooled.gate.stopping = true;
    expect(await spooled.batchDelivery.deliver(batchOf(3))).toBe('kept');
    expect(spooled.stats()).toMatchObject({ failed: 0, exported: 0 });
  });

  it('retries a backend it cannot reach as network, and one that never answers as timeout, until the retry window ends', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = delivery(`http://127.0.0.1:${port}/v1/logs`, { maxElapsedMs: 100 });
    await unreachable.batchDelivery.deliver(batchOf(2));
    expect(unreachable.stats()).toMatchObject({ failed: 2, failed_reasons: { network: 2 } });
    expect(unreachable.stats().retried).toBeGreaterThan(0);

    const r = await receiver();
    r.answer = () => 'hang';
    const hung = delivery(r.url, { timeoutMs: 50, maxElapsedMs: 100 });
    await hung.batchDelivery.deliver(batchOf(2));
    expect(hung.stats()).toMatchObject({ failed: 2, failed_reasons: { timeout: 2 } });
  });

  it('partitions a batch by the key its protocol declares, and takes the verdicts of a transport that answers in its own terms', async () => {
    // A keyed destination (as Kafka): one part per key, each part the protocol's own encoding of that partition.
    const protocol: Protocol = {
      name: 'keyed',
      partitionKey: (r) => attributeOf(r, 'tenant') as string | undefined,
      encode: (records) => ({ path: 'topic', headers: {}, body: Buffer.from(records.map((r) => String(r.body)).join(',')) }),
      classify: () => {
        throw new Error('a transport verdict is never classified');
      },
    };
    const sent: WireRequest[] = [];
    const answers: TransportVerdict[] = [
      { verdict: { kind: 'split', reason: 'too_large', message: 'MESSAGE_TOO_LARGE' } },
      { verdict: { kind: 'ok' } },
      { verdict: { kind: 'dead-letter', reason: 'refused', message: 'CORRUPT_MESSAGE' } },
    ];
    const transport: Transport = { send: async (request) => (sent.push(request), answers.shift()!), close: async () => {} };
    const stats = new DeliveryStats();
    const dir = mkdtempSync(join(tmpdir(), 'keyed-dead-letter-'));
    const keyed = new BatchDelivery({ name: 'keyed', protocol, transport, retry: new RetryPolicy({ initialBackoffMs: 5, maxBackoffMs: 50, maxElapsedMs: 1000 }), stats, deadLetter: new DeadLetterDirectory(dir, 'keyed'), durable: false, gate: new TestGate() });
    const encoded = new EncodedBatch();
    const tenants = ['a', 'b', 'a', undefined];
    tenants.forEach((tenant, i) => encoded.add(record(`r${i}`, undefined, tenant === undefined ? {} : { tenant })));
    expect(await keyed.deliver(OutgoingBatch.fromEncoded(encoded, new OtlpProtobufDecoder()))).toBe('settled');
    const parts = sent.map((request) => request.parts!.map((p) => [p.key, Buffer.from(p.body).toString()]));
    // Too large: split in halves, each partitioned again; the second half refused for good.
    expect(parts).toEqual([[['a', 'r0,r2'], ['b', 'r1'], [undefined, 'r3']], [['a', 'r0'], ['b', 'r1']], [['a', 'r2'], [undefined, 'r3']]]);
    expect(stats.read(0, 0, 0, 0, 1)).toMatchObject({ exported: 2, dead_lettered: 2 });
    const [file] = readdirSync(dir);
    expect(JSON.parse(readFileSync(join(dir, file!), 'utf8'))).toMatchObject({ code: 'refused', reason: 'CORRUPT_MESSAGE', records: 2 });
  });
});
