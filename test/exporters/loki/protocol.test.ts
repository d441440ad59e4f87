import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LokiConfig, parseLokiConfig } from '../../../exporters/loki/config.js';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { LokiProtocol } from '../../../exporters/loki/protocol.js';
import { SettingsReader } from '../../../src/core/env.js';
import { deliverySettings, stageContext } from '../records.js';
import { makeRecord, sendOnce } from './fixtures.js';
import { LOKI_RATE_LIMITED, LokiReceiver, lokiTooFarBehind } from './loki-receiver.js';

let loki: LokiReceiver;
beforeEach(async () => {
  loki = await LokiReceiver.start();
});
afterEach(async () => {
  await loki.close();
});

function config(env: Record<string, string> = {}): LokiConfig {
  return parseLokiConfig(new SettingsReader({ OTEL_LOGKIT_LOKI_ENDPOINT: loki.url.href, ...env }));
}

describe('Loki push, protobuf + snappy (the default)', () => {
  it('groups records into streams by service, environment and level, and Loki decodes every entry', async () => {
    const protocol = new LokiProtocol(config());
    const verdict = await sendOnce(protocol, loki.url, [
      makeRecord({ body: 'card charged', severity: SeverityNumber.INFO }),
      makeRecord({ body: 'card declined', severity: SeverityNumber.WARN }),
      makeRecord({ body: 'refund issued', severity: SeverityNumber.INFO2 }),
    ]);
    expect(verdict).toEqual({ kind: 'ok' });
    const [push] = loki.pushes;
    expect(push!.contentType).toBe('application/x-protobuf');
    expect(push!.streams.map((s) => s.labels)).toEqual([
      { deployment_environment: 'prod', level: 'info', service_name: 'checkout' },
      { deployment_environment: 'prod', level: 'warn', service_name: 'checkout' },
    ]);
    expect(push!.streams[0]!.entries.map((e) => e.line)).toEqual(['card charged', 'refund issued']);
  });

  it('keeps nanosecond timestamps and orders entries by time within a stream', async () => {
    const protocol = new LokiProtocol(config());
    await sendOnce(protocol, loki.url, [
      makeRecord({ body: 'second', time: [1_763_000_000, 2] }),
      makeRecord({ body: 'first', time: [1_763_000_000, 1] }),
      makeRecord({ body: 'third', time: [1_763_000_001, 0] }),
    ]);
    const entries = loki.entries();
    expect(entries.map((e) => e.line)).toEqual(['first', 'second', 'third']);
    expect(entries.map((e) => e.ns)).toEqual([1_763_000_000_000_000_001n, 1_763_000_000_000_000_002n, 1_763_000_001_000_000_000n]);
  });

  it('sends trace context, scope, correlation ids and tags as structured metadata, not labels', async () => {
    const protocol = new LokiProtocol(config());
    await sendOnce(protocol, loki.url, [
      makeRecord({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        attributes: { 'correlation.global_id': 'g-1', 'log.record.uid': 'u-1', tags: ['#billing', '#uk'], http: { status: 200 } },
      }),
    ]);
    const [entry] = loki.entries();
    expect(entry!.labels).toEqual({ deployment_environment: 'prod', level: 'info', service_name: 'checkout' });
    expect(entry!.metadata).toEqual({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      scope_name: 'billing',
      correlation_global_id: 'g-1',
      log_record_uid: 'u-1',
      tags: '["#billing","#uk"]',
      http_status: '200',
    });
  });

  it('sends no structured metadata to a Loki 2.x (OTEL_LOGKIT_LOKI_STRUCTURED_METADATA=false)', async () => {
    await sendOnce(new LokiProtocol(config({ OTEL_LOGKIT_LOKI_STRUCTURED_METADATA: 'false' })), loki.url, [makeRecord({ attributes: { 'correlation.global_id': 'g-1' } })]);
    expect(loki.entries()[0]!.metadata).toEqual({});
  });

  it('writes a structured body as a JSON line, and the whole record as JSON when OTEL_LOGKIT_LOKI_LINE_FORMAT=json', async () => {
    await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({ body: { order: 42, big: 2n ** 63n - 1n } })]);
    await sendOnce(new LokiProtocol(config({ OTEL_LOGKIT_LOKI_LINE_FORMAT: 'json' })), loki.url, [
      makeRecord({ body: 'charged', attributes: { amount: 12.5, body: 'not the body' } }),
    ]);
    const [text, json] = loki.entries();
    expect(JSON.parse(text!.line)).toEqual({ order: 42, big: '9223372036854775807' });
    expect(JSON.parse(json!.line)).toEqual({ severity: 'INFO', scope: 'billing', body: 'charged', amount: 12.5 });
  });

  it('sends the tenant as X-Scope-OrgID and basic credentials as Authorization', async () => {
    const protocol = new LokiProtocol(config({ OTEL_LOGKIT_LOKI_TENANT: 'team-a', OTEL_LOGKIT_LOKI_USERNAME: 'u', OTEL_LOGKIT_LOKI_PASSWORD: 'p' }));
    const request = protocol.encode([makeRecord({})]);
    expect(request.headers['X-Scope-OrgID']).toBe('team-a');
    // Credentials are the transport's business (never in the request that may be spooled to disk).
    expect(JSON.stringify(request.headers)).not.toContain('Basic');
    expect(config({ OTEL_LOGKIT_LOKI_USERNAME: 'u', OTEL_LOGKIT_LOKI_PASSWORD: 'p' }).http.headers.Authorization).toBe(`Basic ${btoa('u:p')}`);
    expect(config({ OTEL_LOGKIT_LOKI_BEARER_TOKEN: 't0k' }).http.headers.Authorization).toBe('Bearer t0k');
  });
});

describe('Loki push, JSON + gzip', () => {
  it('sends the same streams, nanosecond strings and structured metadata as the protobuf format, gzipped by the delivery core', async () => {
    const records = [makeRecord({ body: 'b', time: [1_763_000_000, 5], attributes: { 'correlation.global_id': 'g-2' } }), makeRecord({ body: 'a', time: [1_763_000_000, 4] })];
    const jsonProtocol = new LokiProtocol(config({ OTEL_LOGKIT_LOKI_ENCODING: 'json' }));
    // The encoder hands over plain JSON and asks for gzip; the core compresses it off the main thread.
    expect(jsonProtocol.encode(records)).toMatchObject({ compress: 'gzip', headers: { 'Content-Type': 'application/json' } });
    const stage = createHttpDestination({ name: 'loki', protocol: jsonProtocol, endpoint: loki.url, http: { headers: {}, timeoutMs: 2000, tls: {} }, delivery: deliverySettings() }, stageContext());
    for (const record of records) stage.write(record);
    await stage.shutdown();
    await sendOnce(new LokiProtocol(config()), loki.url, records);
    const [json, proto] = loki.pushes;
    expect(json!.contentType).toBe('application/json');
    expect(json!.contentEncoding).toBe('gzip');
    expect(json!.streams).toEqual(proto!.streams);
  });
});

describe('label cardinality guard', () => {
  it('collapses values beyond OTEL_LOGKIT_LOKI_MAX_LABEL_VALUES into __overflow__, counts them, and keeps the real value as metadata', async () => {
    const protocol = new LokiProtocol(config({ OTEL_LOGKIT_LOKI_LABELS: 'service.name,user.id', OTEL_LOGKIT_LOKI_MAX_LABEL_VALUES: '2' }));
    await sendOnce(
      protocol,
      loki.url,
      ['u1', 'u2', 'u3', 'u1', 'u4'].map((id) => makeRecord({ body: id, resource: { 'service.name': 'checkout', 'user.id': id } })),
    );
    expect(loki.entries().map((e) => [e.line, e.labels.user_id])).toEqual([
      ['u1', 'u1'],
      ['u1', 'u1'],
      ['u2', 'u2'],
      ['u3', '__overflow__'],
      ['u4', '__overflow__'],
    ]);
    expect(protocol.guard.collapsed.toJSON()).toEqual({ user_id: 2 });
  });

  it('cuts label values to 1024 characters (Loki refuses a whole push over a label value longer than 2048)', async () => {
    const protocol = new LokiProtocol(config({ OTEL_LOGKIT_LOKI_LABELS: 'route' }));
    await sendOnce(protocol, loki.url, [makeRecord({ attributes: { route: 'x'.repeat(5000) } })]);
    expect(loki.entries()[0]!.labels.route).toHaveLength(1024);
  });

  it('record attributes chosen as labels are not repeated as metadata; a record with no label values still gets a stream', async () => {
    const protocol = new LokiProtocol(config({ OTEL_LOGKIT_LOKI_LABELS: 'log.type' }));
    await sendOnce(protocol, loki.url, [makeRecord({ attributes: { 'log.type': 'audit' } }), makeRecord({})]);
    const [audit, plain] = loki.entries();
    expect(audit!.labels).toEqual({ log_type: 'audit' });
    expect(audit!.metadata.log_type).toBeUndefined();
    expect(plain!.labels).toEqual({ service_name: 'unknown_service' });
  });
});

describe("Loki's answers", () => {
  it('a 429 rate limit is retried, honouring Retry-After', async () => {
    loki.answers.push({ status: 429, body: LOKI_RATE_LIMITED, headers: { 'Retry-After': '3' } });
    const verdict = await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})]);
    expect(verdict).toMatchObject({ kind: 'retry', reason: 'rate_limited', retryAfterMs: 3000 });
    expect(verdict.kind === 'retry' && verdict.message).toContain('Ingestion rate limit exceeded');
  });

  it('5xx is retried, a 500 too (an ingester restarting clears up by itself)', async () => {
    loki.answers.push({ status: 503, body: 'at least 2 live replicas required, could only find 1' }, { status: 500, body: 'rpc error: code = Unavailable' });
    expect(await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})])).toMatchObject({ kind: 'retry', reason: 'unavailable' });
    expect(await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})])).toMatchObject({ kind: 'retry', reason: 'server_error' });
  });

  it('"entry too far behind" and "entry out of order" go to the dead-letter directory with Loki\'s reason', async () => {
    loki.answers.push({ status: 400, body: lokiTooFarBehind('{service_name="checkout"}', 2) });
    loki.answers.push({ status: 400, body: "entry with timestamp 2026-11-22 06:00:00 +0000 UTC ignored, reason: 'entry out of order' for stream: {service_name=\"checkout\"},\ntotal ignored: 1 out of 1" });
    const tooOld = await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})]);
    const outOfOrder = await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})]);
    expect(tooOld).toMatchObject({ kind: 'dead-letter', reason: 'timestamp_refused' });
    expect(outOfOrder).toMatchObject({ kind: 'dead-letter', reason: 'timestamp_refused' });
    expect(tooOld.kind === 'dead-letter' && tooOld.message).toContain('entry too far behind');
    expect(outOfOrder.kind === 'dead-letter' && outOfOrder.message).toContain('entry out of order');
  });

  it('413 splits the batch; other 4xx (e.g. 401) are permanent', async () => {
    loki.answers.push({ status: 413, body: 'request entity too large' }, { status: 401, body: 'no org id\n' });
    expect(await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})])).toMatchObject({ kind: 'split' });
    expect(await sendOnce(new LokiProtocol(config()), loki.url, [makeRecord({})])).toEqual({ kind: 'dead-letter', reason: 'refused', message: '401: no org id' });
  });
});

describe('configuration', () => {
  it('fails at startup naming the variable when the endpoint is missing or the encoding unknown', () => {
    expect(() => parseLokiConfig(new SettingsReader({}))).toThrow(/OTEL_LOGKIT_LOKI_ENDPOINT/);
    expect(() => config({ OTEL_LOGKIT_LOKI_ENCODING: 'avro' })).toThrow('OTEL_LOGKIT_LOKI_ENCODING=avro: expected one of protobuf, json');
    expect(() => config({ OTEL_LOGKIT_LOKI_USERNAME: 'u' })).toThrow(/OTEL_LOGKIT_LOKI_PASSWORD/);
    expect(() => config({ OTEL_LOGKIT_LOKI_LABELS: 'a,b,c,d,e,f,g,h,i,j,k,l,m' })).toThrow(/OTEL_LOGKIT_LOKI_LABELS=a,b,.*: expected a comma-separated list of 1 to 12 attribute keys/);
  });
});
