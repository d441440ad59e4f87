import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentV1, contentV2, ENVELOPE_ATTRIBUTE, envelopeOf, fieldsOf, hashFields, sha256, typedOf } from '../../../processors/audit/canonical.js';
import type { LogkitRecord } from '../../../src/core/record.js';

const record = (over: Partial<LogkitRecord>): LogkitRecord => ({
  hrTime: [1764576000, 123456789],
  hrTimeObserved: [1764576001, 0],
  severityNumber: SeverityNumber.WARN,
  resource: resourceFromAttributes({ 'service.name': 'billing' }),
  instrumentationScope: { name: 'billing.audit', version: '1.4.0' },
  spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
  attributes: {},
  droppedAttributesCount: 0,
  body: 'refund approved',
  ...over,
});

/** The record as the stage chains it: the envelope set, then the hash over the content. */
function chained(r: LogkitRecord, chain = '9f86d081884c7d65'): { envelope: string; content: string; hash: string } {
  const envelope = canonicalJson(envelopeOf(fieldsOf(r), chain));
  r.attributes[ENVELOPE_ATTRIBUTE] = envelope;
  const content = canonicalJson(contentV2(fieldsOf(r)));
  return { envelope, content, hash: sha256(content) };
}

describe('the canonical form of audit records, version 2 (the README worked example)', () => {
  it('is the documented bytes and hash', () => {
    const r = record({ attributes: { 'log.type': 'audit', 'audit.stream': 'billing', 'audit.seq': 1, 'audit.prev_hash': '0'.repeat(64), amount: 120, ratio: 0.5, ok: true, raw: new Uint8Array([1, 2]) } });
    const { envelope, content, hash } = chained(r);
    expect(envelope).toBe(
      '{"body_type":"s","chain":"9f86d081884c7d65","observed_time_unix_nano":"1764576001000000000","resource":"9d3e4d401b232ceb02048f7219770fc31a38b07ee6f2e2b53e29c46a80bd905c","scope_version":"1.4.0","severity_number":13,"span_id":"00f067aa0ba902b7","trace_flags":1,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","v":2}',
    );
    expect(canonicalJson({ 'service.name': typedOf('billing') })).toBe('{"service.name":{"s":"billing"}}'); // its SHA-256 is the envelope's resource
    expect(content).toBe(
      String.raw`{"attributes":{"amount":{"i":"120"},"audit.envelope":{"s":"{\"body_type\":\"s\",\"chain\":\"9f86d081884c7d65\",\"observed_time_unix_nano\":\"1764576001000000000\",\"resource\":\"9d3e4d401b232ceb02048f7219770fc31a38b07ee6f2e2b53e29c46a80bd905c\",\"scope_version\":\"1.4.0\",\"severity_number\":13,\"span_id\":\"00f067aa0ba902b7\",\"trace_flags\":1,\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"v\":2}"},"audit.prev_hash":{"s":"0000000000000000000000000000000000000000000000000000000000000000"},"audit.seq":{"i":"1"},"audit.stream":{"s":"billing"},"log.type":{"s":"audit"},"ok":{"b":true},"ratio":{"d":0.5},"raw":{"y":"AQI="}},"body":{"s":"refund approved"},"scope":"billing.audit","severity":"WARN","time_unix_nano":"1764576000123456789","v":2}`,
    );
    expect(hash).toBe('dc0114945a4e67dc58cc21bd5ba8477debca7303298f1ea2bb59454ffaf91ece');
  });

  it('types every value: an int, a double, a string, bytes and a bool never hash alike', () => {
    const values = [5, 5.5, '5', new Uint8Array([53]), true, 'true', 2n ** 70n, NaN, null];
    expect(values.map((v) => canonicalJson(typedOf(v)))).toEqual(['{"i":"5"}', '{"d":5.5}', '{"s":"5"}', '{"y":"NQ=="}', '{"b":true}', '{"s":"true"}', '{"s":"1180591620717411303424"}', '{"d":"NaN"}', 'null']);
    const hashes = ['5', 5, 5.5].map((v) => chained(record({ attributes: { v } })).hash);
    expect(new Set(hashes).size).toBe(3);
  });

  it('covers the severity number, trace context, resource and scope version through the envelope', () => {
    const base = chained(record({})).hash;
    const changed = [
      record({ severityNumber: SeverityNumber.FATAL }),
      record({ spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4737', spanId: '00f067aa0ba902b7', traceFlags: 1 } }),
      record({ spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 } }),
      record({ resource: resourceFromAttributes({ 'service.name': 'payroll' }) }),
      record({ instrumentationScope: { name: 'billing.audit', version: '1.4.1' } }),
      record({ hrTimeObserved: [1764576002, 0] }),
    ].map((r) => chained(r).hash);
    expect(changed).not.toContain(base);
    expect(new Set(changed).size).toBe(changed.length);
  });
});

describe('the canonical form, version 1 (trails written before)', () => {
  it('still hashes as documented then: untyped JSON, the severity name when there is no text', () => {
    const fields = fieldsOf(record({ spanContext: undefined, attributes: { b: 1, a: { z: true, y: [1, 'two'] } } }));
    expect(canonicalJson(contentV1(fields))).toBe('{"attributes":{"a":{"y":[1,"two"],"z":true},"b":1},"body":"refund approved","scope":"billing.audit","severity":"WARN","time_unix_nano":"1764576000123456789"}');
    expect(hashFields(fields)).toBe(sha256(canonicalJson(contentV1(fields))));
  });
});
