import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityName } from '../../../src/index.js';
import { eventually, startOpenSearch, type OpenSearchBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { BIG_INT, emitKnownRecords, findSecrets, summary } from '../fixtures/known-records.js';
import { attributeOf, indexedTimestamps, storedDocuments } from '../fixtures/opensearch-documents.js';

// The Elasticsearch exporter against a real OpenSearch 2.19: `_bulk` with `create` and `_id` from
// log.record.uid, both document layouts, into a data stream (made by the bootstrapped index template)
// and into a plain index. Every record must be stored exactly once.

let os: OpenSearchBackend;

beforeAll(async () => {
  os = await startOpenSearch();
});
afterAll(async () => {
  await os?.dispose();
});

function isoNanos(nanos: bigint): string {
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(nanos % 1_000_000_000n).padStart(9, '0')}Z`;
}

const targets: { mapping: string; target: Record<string, string>; name: string }[] = [
  { mapping: 'otel', target: { OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'e2e_otel', OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true' }, name: 'logs-e2e_otel.otel-default' },
  { mapping: 'ecs', target: { OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'e2e_ecs', OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true' }, name: 'logs-e2e_ecs-default' },
  { mapping: 'otel', target: { OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'e2e-plain-otel' }, name: 'e2e-plain-otel' },
  { mapping: 'ecs', target: { OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'e2e-plain-ecs' }, name: 'e2e-plain-ecs' },
];

/** `2026-11-22T07:48:49.74612346Z` (OpenSearch drops trailing zeros) → nanoseconds since the epoch. */
function isoToNanos(iso: string): bigint {
  const [whole, fraction = ''] = iso.replace(/Z$/, '').split('.');
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

describe.each(targets)('Elasticsearch exporter ($mapping layout) → OpenSearch $name', ({ mapping, target, name }) => {
  it('stores every record exactly once (one hit per _id), fields mapped as documented, and no corpus secret', async () => {
    const run = await emitKnownRecords({
      ...fastDelivery,
      ...target,
      OTEL_LOGS_EXPORTER: 'elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
      OTEL_LOGKIT_ELASTICSEARCH_MAPPING: mapping,
    });
    expect(run.stats.elasticsearch, JSON.stringify([run.stats.elasticsearch, run.stats.elasticsearch_bulk])).toMatchObject({ received: run.records.length, exported: run.records.length, failed: 0, dead_lettered: 0 });
    const stored = await eventually(() => storedDocuments(os, name, run.runId), (s) => s.perNumber.size === run.records.length);
    expect([...stored.perId.values()].every((count) => count === 1)).toBe(true);
    expect([...stored.perNumber.values()].map((hits) => hits.length)).toEqual(run.records.map(() => 1));

    // The bootstrapped template maps @timestamp as date_nanos: the index keeps the nanoseconds. A plain
    // index without a template maps it dynamically as a millisecond date (the _source still has them).
    const indexed = await indexedTimestamps(os, name);
    const nanosKept = name.startsWith('logs-');
    for (const sent of run.records) {
      const hit = stored.perNumber.get(sent.n)![0]!;
      const expected = nanosKept ? sent.timeUnixNano : (sent.timeUnixNano / 1_000_000n) * 1_000_000n;
      expect(isoToNanos(indexed.get(hit._id)!), `record ${sent.n} indexed time`).toBe(expected);
      const doc = hit._source;
      expect(hit._id).toBe(attributeOf(hit, 'log.record.uid'));
      expect(hit._index.startsWith('.ds-'), hit._index).toBe(name.startsWith('logs-'));
      expect(doc['@timestamp'], `record ${sent.n} time`).toBe(isoNanos(sent.timeUnixNano));
      if (mapping === 'otel') {
        expect(doc.severity_number).toBe(sent.severityNumber);
        if (sent.text !== undefined && !sent.secrets) expect(doc.body).toEqual({ text: sent.text });
        if (sent.traced) expect([doc.trace_id, doc.span_id]).toEqual([run.traceId, run.spanId]);
      } else {
        expect(doc['event.severity']).toBe(sent.severityNumber);
        expect(doc['log.level']).toBe(severityName(sent.severityNumber).toLowerCase());
        if (sent.text !== undefined && !sent.secrets) expect(doc.message).toBe(sent.text);
        if (sent.traced) expect([doc['trace.id'], doc['span.id']]).toEqual([run.traceId, run.spanId]);
      }
      if (sent.globalId) {
        expect(attributeOf(hit, 'correlation.global_id')).toBe(sent.globalId);
        expect(attributeOf(hit, 'user.id')).toBe(run.userId);
        expect(attributeOf(hit, 'tags')).toEqual(run.tags);
      }
      expect(attributeOf(hit, 'logkit.deferred'), `record ${sent.n} deferred`).toBe(sent.deferred ? true : undefined);
    }

    const values = stored.perNumber.get(0)![0]!;
    const body = { big: BIG_INT.toString(), nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', text: 'values' };
    if (mapping === 'otel') expect(values._source.body).toEqual({ structured: body });
    else expect(JSON.parse(values._source.message as string)).toEqual(body);
    expect(attributeOf(values, 'v.int')).toBe(42);
    expect(attributeOf(values, 'v.double')).toBe(3.25);
    expect(attributeOf(values, 'v.bool')).toBe(true);
    expect(attributeOf(values, 'v.bytes')).toBe('AAEC+v8=');
    // An array mixing kinds is stored as text per element: OpenSearch refuses the document otherwise.
    expect(attributeOf(values, 'v.map')).toEqual({ inner: { depth: 2, list: ['1', 'two', 'false'] } });
    expect(attributeOf(values, 'v.array')).toEqual(['a', 'b', 'c']);

    expect(findSecrets(JSON.stringify(stored.hits), run.secrets)).toEqual([]);
    const duplicates = [...stored.perId.values()].reduce((sum, c) => sum + c - 1, 0);
    summary(`opensearch ${mapping} ${name}`, { sent: run.records.length, found: stored.perNumber.size, duplicates, start_ms: os.lastStartMs });
  });
});
