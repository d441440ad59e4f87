import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { LogkitError } from '../../../src/core/errors.js';
import { captureDiag } from './diag-capture.js';
import { LoopbackReceiver, text } from '../receiver.js';
import { deliverySettings, record, stageContext } from '../records.js';

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(answer?: LoopbackReceiver['answer']): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  if (answer) r.answer = answer;
  receivers.push(r);
  return r;
}

const KEY = 'a'.repeat(64);

/** An OTLP destination with a spool in `dir`: one process's life, from start to shutdown. */
function destination(r: LoopbackReceiver, dir: string, env: Record<string, string> = {}) {
  const ctx = stageContext();
  const stage = createHttpDestination(
    {
      name: 'otlp',
      protocol: new OtlpProtocol('http/protobuf', 'gzip'),
      endpoint: new URL(r.url),
      http: { headers: {}, timeoutMs: 2000, tls: {} },
      delivery: deliverySettings({ OTEL_LOGKIT_SPOOL_DIR: dir, OTEL_BLRP_EXPORT_TIMEOUT: '3000', ...env }),
    },
    ctx,
  );
  return {
    stage,
    write: (from: number, to: number) => {
      for (let i = from; i < to; i++) stage.write(record(`spooled ${i}`, SeverityNumber.INFO, Object.assign(Object.create(null), { 'log.record.uid': `uid-${i}` })));
    },
    stats: () => ctx.stats.snapshot().otlp!,
  };
}

const bodies = (r: LoopbackReceiver) => new Set(r.records.map((x) => text(x.body)));
const expected = (n: number) => new Set(Array.from({ length: n }, (_, i) => `spooled ${i}`));
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.spool'));

describe('the spool', () => {
  it('keeps what a down backend could not take, in 0600 files, and the next start delivers all of it with its record uids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const down = await receiver(() => ({ status: 503 }));
    const first = destination(down, dir);
    first.write(0, 300);
    await first.stage.shutdown();
    expect(first.stats()).toMatchObject({ received: 300, exported: 0, failed: 0, spooled: 300 });
    expect(first.stats().spool_records).toBeGreaterThan(0);
    expect(segments(dir).length).toBeGreaterThan(0);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);

    const up = await receiver();
    const second = destination(up, dir);
    await second.stage.shutdown();
    expect(bodies(up)).toEqual(expected(300));
    expect(second.stats()).toMatchObject({ replayed: 300, exported: 300, failed: 0 });
    const uids = up.records.map((x) => x.attributes?.find((a) => a.key === 'log.record.uid')?.value?.stringValue);
    expect(uids).toContain('uid-0');
    expect(uids).toContain('uid-299');
    expect(segments(dir)).toEqual([]);
  });

  it('spills a burst far larger than the memory queue to disk and delivers every record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const r = await receiver();
    const d = destination(r, dir, { OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '50' });
    d.write(0, 5000);
    await d.stage.shutdown();
    expect(bodies(r)).toEqual(expected(5000));
    expect(d.stats()).toMatchObject({ received: 5000, exported: 5000, dropped: {}, failed: 0 });
  });

  it('keeps only a few KiB of a burst in memory when the queue bound is that small, reads the rest back from disk and delivers every record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const r = await receiver();
    // Each batch of 20 records is ~2 KiB encoded, held twice when cached (records and request): the
    // 4 KiB bound leaves at most one batch in memory, every other one is sent from its frame on disk.
    const d = destination(r, dir, { OTEL_LOGKIT_QUEUE_MAX_BYTES: '4KiB', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '20' });
    d.write(0, 3000);
    await d.stage.shutdown();
    expect(bodies(r)).toEqual(expected(3000));
    expect(d.stats()).toMatchObject({ received: 3000, spooled: 3000, exported: 3000, dropped: {}, failed: 0 });
    expect(segments(dir)).toEqual([]);
  });

  it('evicts the oldest segments beyond its size cap and counts every record it lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const down = await receiver(() => ({ status: 503 }));
    const d = destination(down, dir, { OTEL_LOGKIT_SPOOL_MAX_BYTES: '16KiB', OTEL_LOGKIT_SPOOL_SEGMENT_BYTES: '4KiB', OTEL_BLRP_MAX_QUEUE_SIZE: '100' });
    d.write(0, 2000);
    await d.stage.shutdown();
    const stats = d.stats();
    const lost = (stats.dropped as Record<string, number>).spool_full ?? 0;
    expect(lost).toBeGreaterThan(0);
    expect(stats.spool_bytes).toBeLessThanOrEqual(16 * 1024);

    const up = await receiver();
    const next = destination(up, dir);
    await next.stage.shutdown();
    // Every record is accounted for: delivered after the restart, or counted as evicted.
    expect(new Set(up.records.map((x) => text(x.body))).size + lost).toBe(2000);
  });

  it('detects a torn tail at startup, reports it, skips it and delivers everything before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const down = await receiver(() => ({ status: 503 }));
    const first = destination(down, dir, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10' });
    first.write(0, 100);
    await first.stage.shutdown();
    const [segment] = segments(dir);
    const file = join(dir, segment!);
    truncateSync(file, statSync(file).size - 7); // the last frame was cut mid-write
    appendFileSync(file, Buffer.from('garbage'));

    const up = await receiver();
    const second = destination(up, dir);
    await second.stage.shutdown();
    expect(second.stats()).toMatchObject({ spool_damaged: 1, dropped: { spool_corrupt: 10 }, exported: 90 });
    expect(bodies(up)).toEqual(expected(90));
  });

  it('encrypts frames at rest with OTEL_LOGKIT_SPOOL_KEY, and reads them back only with the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const down = await receiver(() => ({ status: 503 }));
    const first = destination(down, dir, { OTEL_LOGKIT_SPOOL_KEY: KEY });
    first.write(0, 20);
    await first.stage.shutdown();
    const raw = Buffer.concat(segments(dir).map((f) => readFileSync(join(dir, f))));
    expect(raw.includes(Buffer.from('spooled 1'))).toBe(false);

    const up = await receiver();
    const second = destination(up, dir, { OTEL_LOGKIT_SPOOL_KEY: KEY });
    await second.stage.shutdown();
    expect(bodies(up)).toEqual(expected(20));
  });

  it('counts encrypted batches it cannot read without the key instead of crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-spool-'));
    const down = await receiver(() => ({ status: 503 }));
    const first = destination(down, dir, { OTEL_LOGKIT_SPOOL_KEY: KEY });
    first.write(0, 20);
    await first.stage.shutdown();

    const up = await receiver();
    const reported = captureDiag();
    const second = destination(up, dir);
    await second.stage.shutdown();
    reported.stop();
    expect(second.stats()).toMatchObject({ exported: 0, dropped: { spool_corrupt: 20 } });
    const codes = reported.errors.flat().filter((x) => x instanceof LogkitError).map((x) => x.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['LOGKIT_SPOOL_CORRUPT']));
  });
});
