import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startCollector, type CollectorBackend } from '../backends.js';
import { BIG_INT, BYTES, emitKnownRecords, findSecrets, summary, type KnownRun } from '../fixtures/known-records.js';
import { fastDelivery } from '../fixtures/delivery-env.js';

// The OTLP exporter against the reference implementation: the Collector's OTLP/HTTP receiver decodes
// what we send (protobuf+gzip, JSON+zstd, JSON uncompressed) and its file exporter writes back exactly
// what it accepted, as OTLP JSON.

interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number | string;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: { key: string; value: OtlpValue }[] };
}
interface OtlpLogRecord {
  timeUnixNano: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpValue;
  attributes?: { key: string; value: OtlpValue }[];
  traceId?: string;
  spanId?: string;
}
interface ExportedLine {
  resourceLogs: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeLogs: { scope?: { name?: string }; logRecords: OtlpLogRecord[] }[] }[];
}

function attr(record: OtlpLogRecord, key: string): OtlpValue | undefined {
  return record.attributes?.find((a) => a.key === key)?.value;
}

function kv(value: OtlpValue | undefined, key: string): OtlpValue | undefined {
  return value?.kvlistValue?.values?.find((v) => v.key === key)?.value;
}

let collector: CollectorBackend;

beforeAll(async () => {
  collector = await startCollector();
});
afterAll(async () => {
  await collector?.dispose();
});

async function recordsOf(run: KnownRun): Promise<{ records: OtlpLogRecord[]; raw: string }> {
  const lines = (await collector.readExported()) as ExportedLine[];
  const records: OtlpLogRecord[] = [];
  for (const line of lines)
    for (const rl of line.resourceLogs)
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) if (attr(r, 'e2e.run')?.stringValue === run.runId) records.push(r);
  return { records, raw: JSON.stringify(lines) };
}

describe.each([
  { protocol: 'http/protobuf', compression: 'gzip' },
  { protocol: 'http/json', compression: 'zstd' },
  { protocol: 'http/json', compression: 'none' },
])('OTLP $protocol ($compression) → Collector', ({ protocol, compression }) => {
  it('stores every record at least once, fields mapped as sent, to the nanosecond, and no corpus secret', async () => {
    const run = await emitKnownRecords({
      ...fastDelivery,
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.otlpHttpUrl}/v1/logs`,
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: compression,
    });
    const { records, raw } = await eventually(() => recordsOf(run), ({ records }) => new Set(records.map((r) => attr(r, 'e2e.n')?.intValue)).size === run.records.length);
    const byN = new Map(records.map((r) => [Number(attr(r, 'e2e.n')!.intValue), r]));

    for (const sent of run.records) {
      const got = byN.get(sent.n)!;
      expect(got.timeUnixNano, `record ${sent.n} time`).toBe(sent.timeUnixNano.toString());
      expect(got.severityNumber).toBe(sent.severityNumber);
      if (sent.text !== undefined && !sent.secrets) expect(got.body?.stringValue).toBe(sent.text);
      if (sent.globalId) {
        expect(attr(got, 'correlation.global_id')?.stringValue).toBe(sent.globalId);
        expect(attr(got, 'user.id')?.stringValue).toBe(run.userId);
        expect(attr(got, 'tags')?.arrayValue?.values?.map((v) => v.stringValue)).toEqual(run.tags);
      }
      expect(attr(got, 'logkit.deferred')?.boolValue, `record ${sent.n} deferred`).toBe(sent.deferred ? true : undefined);
      if (sent.traced) {
        expect(got.traceId).toBe(run.traceId);
        expect(got.spanId).toBe(run.spanId);
      }
    }

    const values = byN.get(0)!;
    expect(kv(values.body, 'big')?.intValue).toBe(BIG_INT.toString());
    expect(kv(values.body, 'nan')?.doubleValue).toBe('NaN');
    expect(kv(values.body, 'inf')?.doubleValue).toBe('Infinity');
    expect(kv(values.body, 'ninf')?.doubleValue).toBe('-Infinity');
    expect(attr(values, 'v.string')?.stringValue).toBe('héllo wörld');
    expect(attr(values, 'v.int')?.intValue).toBe('42');
    expect(attr(values, 'v.double')?.doubleValue).toBe(3.25);
    expect(attr(values, 'v.bool')?.boolValue).toBe(true);
    expect(attr(values, 'v.bytes')?.bytesValue).toBe(Buffer.from(BYTES).toString('base64'));
    expect(kv(kv(attr(values, 'v.map'), 'inner'), 'list')?.arrayValue?.values).toEqual([{ intValue: '1' }, { stringValue: 'two' }, { boolValue: false }]);
    expect(attr(values, 'v.array')?.arrayValue?.values?.map((v) => v.stringValue)).toEqual(['a', 'b', 'c']);

    expect(findSecrets(raw, run.secrets)).toEqual([]);
    summary(`collector otlp ${protocol}+${compression}`, { sent: run.records.length, found: byN.size, stored: records.length, duplicates: records.length - byN.size });
  });
});
