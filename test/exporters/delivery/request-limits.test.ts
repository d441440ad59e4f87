import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { LoopbackReceiver, text } from '../receiver.js';
import { deliverySettings, record, stageContext } from '../records.js';
import { unaccounted } from './child-session.js';

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function destination(r: LoopbackReceiver, format: 'http/json' | 'http/protobuf', env: Record<string, string>) {
  const ctx = stageContext();
  const stage = createHttpDestination(
    { name: 'otlp', protocol: new OtlpProtocol(format, 'gzip'), endpoint: new URL(r.url), http: { headers: {}, timeoutMs: 5000, tls: {} }, delivery: deliverySettings(env) },
    ctx,
  );
  return { stage, stats: () => ctx.stats.snapshot().otlp! };
}

describe('the batch byte limit', () => {
  for (const format of ['http/json', 'http/protobuf'] as const) {
    it(`holds for every ${format} request body (before compression), however much larger the encoding is than the queue's estimate`, async () => {
      const r = await LoopbackReceiver.start();
      receivers.push(r);
      const limit = 64 * 1024;
      const d = destination(r, format, { OTEL_LOGKIT_BATCH_MAX_BYTES: String(limit), OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '512' });
      // Attributes with many short values: JSON spells out every key and type, protobuf does not.
      const attributes = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`attribute.number.${i}`, i]));
      for (let i = 0; i < 3000; i++) d.stage.write(record(`record ${i}`, SeverityNumber.INFO, { ...attributes }));
      await d.stage.shutdown();
      expect(new Set(r.records.map((x) => text(x.body))).size).toBe(3000);
      expect(d.stats()).toMatchObject({ exported: 3000, failed: 0 });
      expect(Math.max(...r.received.map((x) => x.bytes))).toBeLessThanOrEqual(limit);
      expect(r.received.length).toBeGreaterThan(3000 / 512);
    });
  }
});

describe('the gauges', () => {
  it('count a record waiting on disk once: queued + spool_records + every outcome = received, mid-run and at the end', async () => {
    const r = await LoopbackReceiver.start();
    receivers.push(r);
    let n = 0;
    // The first requests hang: their batches are on the wire (queued) and no longer waiting on disk.
    r.answer = () => (n++ < 4 ? 'hang' : { status: 200 });
    const d = destination(r, 'http/protobuf', { OTEL_LOGKIT_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'logkit-gauges-')), OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_BLRP_EXPORT_TIMEOUT: '500' });
    for (let i = 0; i < 2000; i++) d.stage.write(record(`record ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const mid = d.stats();
    expect(mid.exported).toBe(0);
    expect(mid.spool_records).toBeGreaterThan(0);
    expect(mid.queued).toBeGreaterThan(0);
    expect(unaccounted(mid)).toBe(0);
    await d.stage.shutdown();
    expect(unaccounted(d.stats())).toBe(0);
  });
});
