import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { eventually, startCollector, type CollectorBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { emitKnownRecords, findSecrets, summary } from '../fixtures/known-records.js';
import { NumberedStream } from '../fixtures/numbered-stream.js';

// The OTLP/gRPC exporter against the reference implementation: the Collector's OTLP gRPC receiver
// decodes what we send (LogsService/Export, uncompressed and gzip) and its file exporter writes back
// exactly what it accepted, as OTLP JSON. Then the receiver goes away mid-stream and comes back: the
// spool and the gRPC retry classification must carry every record over.

interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpLogRecord {
  timeUnixNano: string;
  severityNumber?: number;
  body?: OtlpValue;
  attributes?: { key: string; value: OtlpValue }[];
  traceId?: string;
}
interface ExportedLine {
  resourceLogs: { scopeLogs: { logRecords: OtlpLogRecord[] }[] }[];
}

const attr = (record: OtlpLogRecord, key: string) => record.attributes?.find((a) => a.key === key)?.value;

let collector: CollectorBackend;

beforeAll(async () => {
  collector = await startCollector();
});
afterAll(async () => {
  await collector?.dispose();
});

async function recordsOfRun(runId: string): Promise<{ records: OtlpLogRecord[]; raw: string }> {
  const lines = (await collector.readExported()) as ExportedLine[];
  const records = lines.flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))).filter((r) => attr(r, 'e2e.run')?.stringValue === runId);
  return { records, raw: JSON.stringify(lines) };
}

describe.each([{ compression: 'none' }, { compression: 'gzip' }])('OTLP grpc ($compression) → Collector', ({ compression }) => {
  it('stores every record at least once, fields mapped as sent, to the nanosecond, and no corpus secret', async () => {
    const started = performance.now();
    const run = await emitKnownRecords({
      ...fastDelivery,
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
      OTEL_EXPORTER_OTLP_COMPRESSION: compression,
    });
    const { records, raw } = await eventually(() => recordsOfRun(run.runId), ({ records }) => new Set(records.map((r) => attr(r, 'e2e.n')?.intValue)).size === run.records.length);
    const byN = new Map(records.map((r) => [Number(attr(r, 'e2e.n')!.intValue), r]));
    for (const sent of run.records) {
      const got = byN.get(sent.n)!;
      expect(got.timeUnixNano, `record ${sent.n} time`).toBe(sent.timeUnixNano.toString());
      expect(got.severityNumber).toBe(sent.severityNumber);
      if (sent.text !== undefined && !sent.secrets) expect(got.body?.stringValue).toBe(sent.text);
      if (sent.globalId) {
        expect(attr(got, 'correlation.global_id')?.stringValue).toBe(sent.globalId);
        expect(attr(got, 'user.id')?.stringValue).toBe(run.userId);
      }
      expect(attr(got, 'logkit.deferred')?.boolValue, `record ${sent.n} deferred`).toBe(sent.deferred ? true : undefined);
      if (sent.traced) expect(got.traceId).toBe(run.traceId);
    }
    expect(findSecrets(raw, run.secrets)).toEqual([]);
    summary(`collector otlp grpc+${compression}`, {
      sent: run.records.length,
      found: byN.size,
      stored: records.length,
      duplicates: records.length - byN.size,
      ms_until_stored: Math.round(performance.now() - started),
    });
  });
});

describe('OTLP grpc → Collector stopped for 5 s mid-stream', () => {
  it('loses no record: the spool and the retries of UNAVAILABLE carry them over the outage', async () => {
    const runId = randomBytes(6).toString('hex');
    const spoolDir = await mkdtemp(join(tmpdir(), 'otel-logkit-e2e-grpc-outage-'));
    const pipeline = createLogPipeline({
      env: { ...fastDelivery, OTEL_SERVICE_NAME: 'logkit-e2e-grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl, OTEL_LOGKIT_SPOOL_DIR: spoolDir },
    });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    const stream = new NumberedStream(provider.getLogger('e2e.grpc'), runId);
    try {
      stream.start(20, 2); // 100 records/s
      await new Promise((r) => setTimeout(r, 1_000));
      await collector.stop();
      const stoppedAt = stream.emitted;
      await new Promise((r) => setTimeout(r, 5_000));
      const duringOutage = pipeline.stats().otlp!;
      await collector.start();
      const restartedAt = stream.emitted;
      await new Promise((r) => setTimeout(r, 1_000));
      const sent = stream.stop();
      await pipeline.forceFlush();
      // With a spool, a flush may return while the last batches wait out a backoff (they are safe on disk).
      const after = await eventually(async () => pipeline.stats().otlp!, (s) => s.exported === sent, { timeoutMs: 30_000 });
      expect(after).toMatchObject({ received: sent, exported: sent, failed: 0, dead_lettered: 0 });
      const { records } = await eventually(() => recordsOfRun(runId), ({ records }) => new Set(records.map((r) => attr(r, 'e2e.n')?.intValue)).size === sent, { timeoutMs: 60_000 });
      const numbers = new Set(records.map((r) => Number(attr(r, 'e2e.n')!.intValue)));
      const lost = Array.from({ length: sent }, (_, n) => n).filter((n) => !numbers.has(n));
      expect(lost).toEqual([]);
      summary('outage collector grpc', {
        sent,
        found: numbers.size,
        lost: lost.length,
        duplicates: records.length - numbers.size,
        emitted_while_down: restartedAt - stoppedAt,
        spooled: after.spooled as number,
        retried: after.retried as number,
        spool_records_before_restart: duringOutage.spool_records as number,
      });
    } finally {
      stream.stop();
      await provider.shutdown();
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 120_000);
});
