import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import type { Protocol, Verdict, WireResponse } from '../../../exporters/delivery/protocol.js';
import type { HttpSettings } from '../../../exporters/delivery/settings.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { LogkitError } from '../../../src/core/errors.js';
import { captureDiag } from './diag-capture.js';
import { deliverySettings, record, stageContext } from '../records.js';
import { LoopbackReceiver, text } from '../receiver.js';

/** An OTLP destination on its own, fed directly with records, as the export stage feeds it. */
function start(r: LoopbackReceiver, env: Record<string, string> = {}, http: Partial<HttpSettings> = {}, protocol: Protocol = new OtlpProtocol('http/protobuf', 'none')) {
  const ctx = stageContext();
  const stage = createHttpDestination(
    {
      name: 'otlp',
      protocol,
      endpoint: new URL(r.url),
      http: { headers: {}, timeoutMs: 2000, tls: {}, ...http },
      delivery: deliverySettings(env),
    },
    ctx,
  );
  let emitted = 0;
  return {
    stage,
    /** Writes `n` records with distinct bodies `record 0`, `record 1` … (numbered across calls). */
    emit: (n: number, severity = SeverityNumber.INFO) => {
      for (let i = 0; i < n; i++) stage.write(record(`record ${emitted++}`, severity));
    },
    otlp: () => ctx.stats.snapshot().otlp!,
  };
}

const receivers: LoopbackReceiver[] = [];
async function receiver(): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('the HTTP delivery core', () => {
  it('delivers every record in batches no larger than the batch size, and counts them exported', async () => {
    const r = await receiver();
    const { stage, emit, otlp } = start(r);
    emit(120);
    await stage.shutdown();
    expect(r.records.map((x) => text(x.body))).toEqual(Array.from({ length: 120 }, (_, i) => `record ${i}`));
    expect(Math.max(...r.received.map((x) => x.records.length))).toBeLessThanOrEqual(50);
    expect(otlp()).toMatchObject({ received: 120, exported: 120, failed: 0, queued: 0 });
  });

  it('keeps retrying through 503s and loses nothing', async () => {
    const r = await receiver();
    r.answer = (n) => (n < 4 ? { status: 503 } : { status: 200 });
    const { stage, emit, otlp } = start(r);
    emit(30);
    await stage.shutdown();
    expect(r.records).toHaveLength(30);
    expect(otlp()).toMatchObject({ exported: 30, failed: 0 });
    expect(otlp().retried).toBeGreaterThan(0);
  });

  it('waits as long as Retry-After asks before the next attempt', async () => {
    const r = await receiver();
    const times: number[] = [];
    r.answer = (n) => {
      times.push(Date.now());
      return n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    };
    const { stage, emit } = start(r, { OTEL_LOGKIT_RETRY_MAX_BACKOFF: '5000' });
    emit(3);
    await stage.shutdown();
    expect(r.records).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('splits a batch the backend finds too large (413) and delivers both halves', async () => {
    const r = await receiver();
    r.answer = (_n, got) => (got.records.length > 10 ? { status: 413 } : { status: 200 });
    const { stage, emit, otlp } = start(r);
    emit(40);
    await stage.shutdown();
    expect(r.records.map((x) => text(x.body)).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `record ${i}`).sort());
    expect(otlp()).toMatchObject({ exported: 40, failed: 0, dead_lettered: 0 });
  });

  it('writes a batch refused with 400 to the dead-letter directory, with the answer, and never retries it', async () => {
    const r = await receiver();
    const dir = mkdtempSync(join(tmpdir(), 'logkit-dlq-'));
    r.answer = () => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: 'bad field' });
    const { stage, emit, otlp } = start(r, { OTEL_LOGKIT_DEAD_LETTER_DIR: dir }, { headers: { authorization: 'Bearer s3cret' } });
    emit(5);
    await stage.shutdown();
    expect(r.requests).toBe(1);
    expect(otlp()).toMatchObject({ dead_lettered: 5, exported: 0, retried: 0 });
    const [file] = readdirSync(dir);
    const entry = JSON.parse(readFileSync(join(dir, file!), 'utf8'));
    expect(entry).toMatchObject({ destination: 'otlp', records: 5, response: { status: 400, body: 'bad field' } });
    expect(entry.request.resourceLogs[0].scopeLogs[0].logRecords).toHaveLength(5);
    expect(readFileSync(join(dir, file!), 'utf8')).not.toContain('s3cret');
  });

  it('counts records the backend rejects in a partial success', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'too old' } }) });
    const { stage, emit, otlp } = start(r, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10' });
    emit(10);
    await stage.shutdown();
    expect(otlp()).toMatchObject({ exported: 8, rejected: 2 });
  });

  for (const spool of [false, true]) {
    it(`on a per-record answer, resends only the records marked for retry and dead-letters the refused ones${spool ? ' (spool on)' : ''}`, async () => {
      const r = await receiver();
      const dir = mkdtempSync(join(tmpdir(), 'logkit-partial-'));
      // OTLP on the wire, but answered per record as the Elasticsearch bulk API does: the first answer
      // asks to retry records 0 and 1 and refuses record 2.
      const otlp = new OtlpProtocol('http/protobuf', 'gzip');
      let answers = 0;
      const perRecord: Protocol = {
        name: 'per-record',
        encode: (records) => otlp.encode(records),
        encodeFromOtlp: (bytes) => otlp.encodeFromOtlp(bytes),
        classify: (response: WireResponse): Verdict =>
          answers++ === 0 ? { kind: 'partial', retry: [0, 1], deadLetter: [{ index: 2, reason: 'document_refused', message: 'mapping conflict' }] } : otlp.classify(response),
      };
      const env: Record<string, string> = { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_LOGKIT_DEAD_LETTER_DIR: join(dir, 'dlq') };
      if (spool) env.OTEL_LOGKIT_SPOOL_DIR = join(dir, 'spool');
      const { stage, emit, otlp: stats } = start(r, env, {}, perRecord);
      emit(10);
      await stage.shutdown();
      expect(r.received.map((x) => x.records.length)).toEqual([10, 2]);
      expect(r.received[1]!.records.map((x) => text(x.body))).toEqual(['record 0', 'record 1']);
      expect(stats()).toMatchObject({ exported: 9, dead_lettered: 1, retried: 2, failed: 0 });
      expect(readdirSync(join(dir, 'dlq'))).toHaveLength(1);
    });
  }

  it('cuts a hung server at the timeout and retries the batch elsewhere in time', async () => {
    const r = await receiver();
    r.answer = (n) => (n === 0 ? 'hang' : { status: 200 });
    const { stage, emit, otlp } = start(r, {}, { timeoutMs: 200 });
    emit(5);
    await stage.shutdown();
    expect(r.records).toHaveLength(5);
    expect(otlp()).toMatchObject({ exported: 5, failed: 0 });
    expect(otlp().retried).toBe(5);
  });

  it('without a spool, sheds the least severe records first when the queue is full, and counts each', async () => {
    const r = await receiver();
    const { stage, emit, otlp } = start(r, { OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' });
    emit(60, SeverityNumber.DEBUG);
    emit(60, SeverityNumber.ERROR);
    emit(10, SeverityNumber.DEBUG);
    await stage.shutdown();
    const severities = r.records.map((x) => x.severityNumber);
    expect(severities.filter((s) => s === SeverityNumber.ERROR)).toHaveLength(60);
    expect(otlp().dropped).toEqual({ queue_full: 30 });
    expect(otlp()).toMatchObject({ received: 130, exported: 100, failed: 0 });
  });

  it('gives up a batch after the retry window when there is no spool, and counts it failed', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 503 });
    const { stage, emit, otlp } = start(r, { OTEL_LOGKIT_RETRY_MAX_ELAPSED: '100' });
    emit(7);
    await stage.shutdown();
    expect(otlp()).toMatchObject({ received: 7, exported: 0, failed: 7 });
  });

  it('drops records written after shutdown, counts each, and says so once as LOGKIT_SHUTDOWN', async () => {
    const r = await receiver();
    const { stage, emit, otlp } = start(r);
    emit(2);
    await stage.shutdown();
    const reported = captureDiag();
    emit(3);
    reported.stop();
    expect(otlp()).toMatchObject({ received: 5, exported: 2, dropped: { shutdown: 3 } });
    const errors = reported.warnings.flat().filter((x) => x instanceof LogkitError);
    expect(errors.map((e) => e.code)).toEqual(['LOGKIT_SHUTDOWN']);
  });

  it('refuses a 500 from an OTLP backend without retrying it, counted by reason', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 500, body: 'internal error' });
    const { stage, emit, otlp } = start(r);
    emit(4);
    await stage.shutdown();
    expect(r.requests).toBe(1);
    expect(otlp()).toMatchObject({ retried: 0, failed: 4, failed_reasons: { server_error: 4 } });
  });
});
