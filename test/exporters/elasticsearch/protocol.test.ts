import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ElasticsearchConfig, parseElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../../exporters/elasticsearch/protocol.js';
import { SettingsReader } from '../../../src/core/env.js';
import { makeRecord, sendOnce } from '../loki/fixtures.js';
import { BulkReceiver } from './bulk-receiver.js';

let es: BulkReceiver;
beforeEach(async () => {
  es = await BulkReceiver.start();
});
afterEach(async () => {
  await es.close();
});

function config(env: Record<string, string> = {}): ElasticsearchConfig {
  return parseElasticsearchConfig(new SettingsReader({ OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: es.url.href, ...env }));
}

describe('_bulk into data streams', () => {
  it('creates each record in logs-<dataset>.otel-<namespace> with _id from log.record.uid, NDJSON the core gzips', async () => {
    const protocol = new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'checkout', OTEL_LOGKIT_ELASTICSEARCH_NAMESPACE: 'prod' }));
    const records = [makeRecord({ attributes: { 'log.record.uid': 'uid-1' } }), makeRecord({ attributes: { 'log.record.uid': 'uid-2' } })];
    // Compression is asked of the core (off the main thread), never done in the encoder.
    const request = protocol.encode(records);
    expect(request.compress).toBe('gzip');
    expect(request.headers['Content-Encoding']).toBeUndefined();
    expect(Buffer.from(request.body).toString('utf8').split('\n')[0]).toBe('{"create":{"_index":"logs-checkout.otel-prod","_id":"uid-1"}}');
    const verdict = await sendOnce(protocol, es.url, records);
    expect(verdict).toEqual({ kind: 'ok' });
    expect(es.requests[0]!.actions).toEqual([
      { op: 'create', index: 'logs-checkout.otel-prod', id: 'uid-1' },
      { op: 'create', index: 'logs-checkout.otel-prod', id: 'uid-2' },
    ]);
  });

  it('lays a record out OTel-native: body.text, attributes, resource.attributes, scope, nanosecond @timestamp, data_stream', async () => {
    await sendOnce(new ElasticsearchProtocol(config()), es.url, [
      makeRecord({
        body: 'card charged',
        severity: SeverityNumber.WARN,
        severityText: 'WARN',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        time: [1_763_000_000, 123_456_789],
        attributes: { 'log.record.uid': 'u', 'correlation.global_id': 'g-1', big: 2n ** 64n },
      }),
      makeRecord({ body: { order: 42 }, attributes: { 'log.record.uid': 'v' } }),
    ]);
    const [text, structured] = es.documents('logs-generic.otel-default');
    expect(text!.source).toEqual({
      '@timestamp': '2025-11-13T02:13:20.123456789Z',
      observed_timestamp: '2025-11-13T02:13:21.000000000Z',
      data_stream: { type: 'logs', dataset: 'generic.otel', namespace: 'default' },
      severity_number: 13,
      severity_text: 'WARN',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      body: { text: 'card charged' },
      attributes: { 'log.record.uid': 'u', 'correlation.global_id': 'g-1', big: '18446744073709551616' },
      resource: { attributes: { 'service.name': 'checkout', 'deployment.environment': 'prod' } },
      scope: { name: 'billing' },
    });
    expect(structured!.source.body).toEqual({ structured: { order: 42 } });
  });

  it('stores an array that mixes kinds as the text of each element, in both layouts, since Elasticsearch refuses mixed arrays', async () => {
    const attributes = { 'log.record.uid': 'm', mixed: [1, 'two', false, null, { a: 1 }], same: [1, 2], nested: { list: [true, 'x'] } };
    for (const mapping of ['otel', 'ecs']) {
      await sendOnce(new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_MAPPING: mapping, OTEL_LOGKIT_ELASTICSEARCH_INDEX: mapping })), es.url, [
        makeRecord({ body: { list: [2, 'b'] }, attributes }),
      ]);
      const source = es.documents(mapping)[0]!.source as Record<string, unknown>;
      const stored = (mapping === 'otel' ? source.attributes : source) as Record<string, unknown>;
      expect(stored.mixed).toEqual(['1', 'two', 'false', null, '{"a":1}']);
      expect(stored.same).toEqual([1, 2]);
      expect(stored.nested).toEqual({ list: ['true', 'x'] });
    }
    expect(es.documents('otel')[0]!.source.body).toEqual({ structured: { list: ['2', 'b'] } });
  });

  it('lays a record out in ECS: message, log.level, trace.id, service.environment, attributes at the top level', async () => {
    await sendOnce(new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_MAPPING: 'ecs' })), es.url, [
      makeRecord({
        body: 'card charged',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        attributes: { 'log.record.uid': 'u', 'correlation.global_id': 'g-1', 'exception.message': 'boom' },
      }),
    ]);
    const [doc] = es.documents('logs-generic-default');
    expect(doc!.source).toMatchObject({
      message: 'card charged',
      'log.level': 'info',
      'log.logger': 'billing',
      'event.severity': 9,
      'trace.id': '4bf92f3577b34da6a3ce929d0e0e4736',
      'service.name': 'checkout',
      'service.environment': 'prod',
      'correlation.global_id': 'g-1',
      'error.message': 'boom',
      'data_stream.dataset': 'generic',
    });
  });

  it('in ECS, a record attribute named like a resource field wins, and the document has no duplicate keys', async () => {
    const protocol = new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_MAPPING: 'ecs', OTEL_LOGKIT_ELASTICSEARCH_COMPRESSION: 'none' }));
    const ndjson = Buffer.from(protocol.encode([makeRecord({ attributes: { 'service.name': 'override' } })]).body).toString('utf8');
    const source = ndjson.split('\n')[1]!;
    expect(source.match(/"service\.name"/g)).toHaveLength(1);
    expect(JSON.parse(source)['service.name']).toBe('override');
  });

  it('writes to a plain index when OTEL_LOGKIT_ELASTICSEARCH_INDEX is set, uncompressed when asked', async () => {
    await sendOnce(new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'app-logs', OTEL_LOGKIT_ELASTICSEARCH_COMPRESSION: 'none' })), es.url, [makeRecord({})]);
    expect(es.requests[0]!.contentEncoding).toBeUndefined();
    const [doc] = es.documents('app-logs');
    expect(doc!.source.data_stream).toBeUndefined();
  });
});

describe('idempotency', () => {
  it('a replayed batch stores nothing twice: 409 on create means already stored, counted as duplicates', async () => {
    const protocol = new ElasticsearchProtocol(config());
    const batch = [makeRecord({ attributes: { 'log.record.uid': 'a' } }), makeRecord({ attributes: { 'log.record.uid': 'b' } })];
    await sendOnce(protocol, es.url, batch);
    const replay = await sendOnce(protocol, es.url, [...batch, makeRecord({ attributes: { 'log.record.uid': 'c' } })]);
    expect(replay).toEqual({ kind: 'ok' });
    expect(es.documents().map((d) => d.id)).toEqual(['a', 'b', 'c']);
    expect(protocol.stats.duplicates).toBe(2);
  });

  it('a record without log.record.uid gets an _id derived from its content, the same on a retry and after a replay rebuilt it', async () => {
    const protocol = new ElasticsearchProtocol(config());
    await sendOnce(protocol, es.url, [makeRecord({ attributes: { n: 1 } })]);
    await sendOnce(new ElasticsearchProtocol(config()), es.url, [makeRecord({ attributes: { n: 1 } })]);
    await sendOnce(protocol, es.url, [makeRecord({ attributes: { n: 2 } })]);
    const [first, replayed, other] = es.requests.map((r) => r.actions[0]!.id);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(replayed).toBe(first);
    expect(other).not.toBe(first);
    expect(es.documents()).toHaveLength(2);
  });
});

describe('per-item results', () => {
  it('retries only the items Elasticsearch rejected with 429, dead-letters mapping errors with the reason, acknowledges the rest', async () => {
    const protocol = new ElasticsearchProtocol(config());
    await sendOnce(protocol, es.url, [makeRecord({ attributes: { 'log.record.uid': 'seed', amount: 10 } })]);
    es.rejectIds.set('busy', 1);
    const batch = [
      makeRecord({ attributes: { 'log.record.uid': 'fine', amount: 11 } }),
      makeRecord({ attributes: { 'log.record.uid': 'busy', amount: 12 } }),
      makeRecord({ attributes: { 'log.record.uid': 'bad', amount: 'twelve' } }),
    ];
    const verdict = await sendOnce(protocol, es.url, batch);
    expect(verdict).toMatchObject({ kind: 'partial', retry: [1], deadLetter: [{ index: 2 }] });
    if (verdict.kind !== 'partial') throw new Error('expected partial');
    expect(verdict.deadLetter[0]!.reason).toBe('document_refused');
    expect(verdict.deadLetter[0]!.message).toContain("document_parsing_exception: [1:2] failed to parse field [attributes.amount] of type [long]");
    // The core resends the retried items alone.
    expect(await sendOnce(protocol, es.url, verdict.retry.map((i) => batch[i]!))).toEqual({ kind: 'ok' });
    expect(es.documents().map((d) => d.id).sort()).toEqual(['busy', 'fine', 'seed']);
    expect(protocol.stats.read()).toEqual({ duplicates: 0, retried_items: 1, refused: { document_parsing_exception: 1 } });
  });

  it('whole-request 429 and 5xx are retried (Retry-After honoured), 413 splits, 401 is permanent', async () => {
    const protocol = new ElasticsearchProtocol(config());
    es.answers.push(
      { status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'rejected' }, status: 429 }, headers: { 'Retry-After': '2' } },
      { status: 503, body: { error: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/2/no master];' }, status: 503 } },
      { status: 413, body: '' },
      { status: 401, body: { error: { type: 'security_exception', reason: 'missing authentication credentials for REST request [/_bulk]' }, status: 401 } },
    );
    const records = [makeRecord({})];
    expect(await sendOnce(protocol, es.url, records)).toMatchObject({ kind: 'retry', reason: 'rate_limited', retryAfterMs: 2000 });
    expect(await sendOnce(protocol, es.url, records)).toMatchObject({ kind: 'retry', reason: 'unavailable', message: expect.stringContaining('no master') });
    expect(await sendOnce(protocol, es.url, records)).toMatchObject({ kind: 'split', reason: 'too_large' });
    expect(await sendOnce(protocol, es.url, records)).toEqual({
      kind: 'dead-letter',
      reason: 'refused',
      message: '401: security_exception: missing authentication credentials for REST request [/_bulk]',
    });
  });
});

describe('configuration', () => {
  it('sends an API key or basic credentials through the transport headers, never in the request', () => {
    expect(config({ OTEL_LOGKIT_ELASTICSEARCH_API_KEY: 'aWQ6a2V5' }).http.headers.Authorization).toBe('ApiKey aWQ6a2V5');
    expect(config({ OTEL_LOGKIT_ELASTICSEARCH_USERNAME: 'elastic', OTEL_LOGKIT_ELASTICSEARCH_PASSWORD: 'pw' }).http.headers.Authorization).toBe(`Basic ${btoa('elastic:pw')}`);
    const request = new ElasticsearchProtocol(config({ OTEL_LOGKIT_ELASTICSEARCH_API_KEY: 'aWQ6a2V5' })).encode([makeRecord({})]);
    expect(JSON.stringify(request.headers)).not.toContain('ApiKey');
  });

  it('refuses data stream names Elasticsearch would refuse, naming the variable', () => {
    expect(() => config({ OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'my-app' })).toThrow(/OTEL_LOGKIT_ELASTICSEARCH_DATASET=my-app: expected lowercase letters/);
    expect(() => config({ OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'Logs' })).toThrow(/OTEL_LOGKIT_ELASTICSEARCH_INDEX=Logs/);
    expect(() => config({ OTEL_LOGKIT_ELASTICSEARCH_MAPPING: 'raw' })).toThrow('OTEL_LOGKIT_ELASTICSEARCH_MAPPING=raw: expected one of otel, ecs');
    expect(() => parseElasticsearchConfig(new SettingsReader({}))).toThrow(/OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT/);
    expect(() => config({ OTEL_LOGKIT_ELASTICSEARCH_API_KEY: 'k', OTEL_LOGKIT_ELASTICSEARCH_USERNAME: 'u', OTEL_LOGKIT_ELASTICSEARCH_PASSWORD: 'p' })).toThrow(
      'OTEL_LOGKIT_ELASTICSEARCH_API_KEY=[hidden]',
    );
  });
});
