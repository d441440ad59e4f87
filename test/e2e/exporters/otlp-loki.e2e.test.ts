import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLoki, type LokiBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { emitKnownRecords, findSecrets, summary } from '../fixtures/known-records.js';
import { expectKnownRunInLoki } from '../fixtures/loki-assertions.js';
import { countByNumber, lokiEntries } from '../fixtures/loki-entries.js';

// The OTLP exporter against a backend that ingests OTLP natively (issue 7): Loki's /otlp/v1/logs.
// Loki turns resource attributes into labels or metadata and record attributes into structured
// metadata itself, so this proves our OTLP is read the same way by a second implementation.

let loki: LokiBackend;

beforeAll(async () => {
  loki = await startLoki();
});
afterAll(async () => {
  await loki?.dispose();
});

describe.each([
  { protocol: 'http/protobuf', compression: 'gzip' },
  { protocol: 'http/json', compression: 'none' },
])('OTLP $protocol ($compression) → Loki /otlp/v1/logs', ({ protocol, compression }) => {
  it('stores every record with its nanosecond timestamp, severity, correlation ids, span and attributes, and no corpus secret', async () => {
    const run = await emitKnownRecords({
      ...fastDelivery,
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${loki.baseUrl}/otlp/v1/logs`,
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: compression,
    });
    expect(run.stats.otlp).toMatchObject({ received: run.records.length, exported: run.records.length, failed: 0 });
    const entries = await eventually(
      () => lokiEntries(loki, '{service_name="logkit-e2e"}', run.runId),
      (found) => countByNumber(found).distinct === run.records.length,
    );
    const byN = expectKnownRunInLoki(run, entries);
    for (const sent of run.records) expect(byN.get(sent.n)!.fields.severity_number).toBe(String(sent.severityNumber));
    // Loki's OTLP ingestion renders a map body as JSON for the line, and writes an empty line when the
    // map holds NaN/Infinity (JSON has no such numbers); a hand-written OTLP request does the same, so
    // this is Loki's behaviour, not ours. The Collector keeps those values (otlp-collector test).
    expect(byN.get(0)!.line).toBe('');
    expect(findSecrets(JSON.stringify(entries), run.secrets)).toEqual([]);
    const { distinct, duplicates } = countByNumber(entries);
    summary(`loki-otlp ${protocol}+${compression}`, { sent: run.records.length, found: distinct, duplicates });
  });
});
