import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityName } from '../../../src/index.js';
import { eventually, startLoki, type LokiBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { BIG_INT, emitKnownRecords, findSecrets, summary } from '../fixtures/known-records.js';
import { expectKnownRunInLoki } from '../fixtures/loki-assertions.js';
import { countByNumber, lokiEntries } from '../fixtures/loki-entries.js';

// The Loki exporter's own push API, both encodings, against a real Loki 3: labels from the
// configured keys (service.name, severity → level), everything else as structured metadata, the
// body as the line, the entry timestamp being the record's, to the nanosecond.

let loki: LokiBackend;

beforeAll(async () => {
  loki = await startLoki();
});
afterAll(async () => {
  await loki?.dispose();
});

describe.each([{ encoding: 'protobuf' }, { encoding: 'json' }])('Loki push ($encoding) → Loki', ({ encoding }) => {
  it('stores every record as an entry with labels, structured metadata (correlation ids, span) and no corpus secret', async () => {
    const run = await emitKnownRecords({
      ...fastDelivery,
      OTEL_LOGS_EXPORTER: 'loki',
      OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl,
      OTEL_LOGKIT_LOKI_ENCODING: encoding,
    });
    expect(run.stats.loki).toMatchObject({ received: run.records.length, exported: run.records.length, failed: 0 });
    const entries = await eventually(
      () => lokiEntries(loki, '{service_name="logkit-e2e"}', run.runId),
      (found) => countByNumber(found).distinct === run.records.length,
    );
    const byN = expectKnownRunInLoki(run, entries);
    for (const sent of run.records) expect(byN.get(sent.n)!.fields.level).toBe(severityName(sent.severityNumber).toLowerCase());
    // The structured body is the line, as JSON that keeps what JSON cannot hold as text.
    expect(JSON.parse(byN.get(0)!.line)).toEqual({ big: BIG_INT.toString(), nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', text: 'values' });
    expect(findSecrets(JSON.stringify(entries), run.secrets)).toEqual([]);
    const { distinct, duplicates } = countByNumber(entries);
    summary(`loki-native ${encoding}`, { sent: run.records.length, found: distinct, duplicates });
  });
});
