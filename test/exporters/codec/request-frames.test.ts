import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { type RequestFrame, RequestFrameError, RequestFrameReader } from '../../../exporters/codec/request-frames.js';
import { attributeOf, keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord, LogValue } from '../../../src/core/record.js';
import { field } from './hand-made-protobuf.js';

// A collector's request is split into records that stay its bytes: nothing is decoded to be encoded
// again, yet a record that breaks the limits or the format is refused before any stage sees it.

const limits = { maxValueBytes: 64, maxDepth: 3 };
const checkout = resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'h1' });
const billing = resourceFromAttributes({ 'service.name': 'billing' });
const scopes = new Map<string, { name: string; version: string }>();

function record(body: LogValue, attributes: Record<string, LogValue> = {}, resource = checkout, scope = 'http'): LogkitRecord {
  return {
    hrTime: [1_700_000_000, 123_456_789],
    hrTimeObserved: [1_700_000_001, 5],
    severityNumber: 9,
    severityText: 'INFO',
    body,
    attributes,
    resource,
    instrumentationScope: scopes.get(scope) ?? scopes.set(scope, { name: scope, version: '1.0' }).get(scope)!,
    droppedAttributesCount: 0,
    spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
  };
}

/** An ExportLogsServiceRequest of one resource and one scope holding the given LogRecord messages. */
function requestOf(...logRecords: Uint8Array[]): Buffer {
  const scopeLogs = Buffer.concat([field(1, field(1, Buffer.from('raw'))), ...logRecords.map((m) => field(2, m))]);
  return field(1, field(2, scopeLogs));
}

function read(body: Uint8Array): ReturnType<RequestFrameReader['read']> {
  return new RequestFrameReader(limits).read(body);
}

function thrown(body: Uint8Array): RequestFrameError {
  try {
    read(body);
  } catch (error) {
    if (error instanceof RequestFrameError) return error;
    throw error;
  }
  throw new Error('the request was read');
}

describe('RequestFrameReader: records that stay the bytes they came in as', () => {
  const records = [
    record('order placed', { 'order.id': 'o-1', amount: 12.5, count: 3, big: 2n ** 60n, nested: { a: [1, 'two', { b: true }] } }),
    record({ structured: 'body' }, { blob: new Uint8Array([1, 2, 3]) }, checkout, 'db'),
    record('charged', { 'user.id': 'u-9' }, billing),
    record('refunded', {}, billing),
  ];
  const body = encodeOtlpProtobuf(records);

  it('re-encodes a pass-through request byte for byte, each record a view into the request', () => {
    const { records: read1, refused } = read(body);
    expect(refused).toBe(0);
    expect(read1).toHaveLength(4);
    for (const r of read1) expect(keptEncodingOf(r)!.buffer).toBe(body.buffer);
    expect(Buffer.from(encodeOtlpProtobuf(read1)).equals(body)).toBe(true);
  });

  it('reads every field as the full decoder does, without decoding what is not asked for', () => {
    const frames = read(body).records;
    const decoded = new OtlpProtobufDecoder().decode(body);
    expect(attributeOf(frames[0]!, 'order.id')).toBe('o-1');
    expect(frames[0]!.severityNumber).toBe(9);
    expect(frames[0]!.spanContext?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(keptEncodingOf(frames[0]!)).toBeDefined();
    for (let i = 0; i < frames.length; i++) {
      const [frame, full] = [frames[i]!, decoded[i]!];
      expect({ body: frame.body, attributes: { ...frame.attributes }, time: frame.hrTime, scope: frame.instrumentationScope }).toEqual({
        body: full.body,
        attributes: { ...full.attributes },
        time: full.hrTime,
        scope: full.instrumentationScope,
      });
      expect(frame.resource.attributes).toEqual(full.resource.attributes);
    }
  });

  it('gives the records of one sender one resource object, request after request', () => {
    const reader = new RequestFrameReader(limits);
    const first = reader.read(body).records;
    const second = reader.read(body).records;
    expect(first[0]!.resource).toBe(first[1]!.resource);
    expect(first[2]!.resource).not.toBe(first[0]!.resource);
    expect(second[0]!.resource).toBe(first[0]!.resource);
    expect(second[1]!.instrumentationScope).toBe(first[1]!.instrumentationScope);
  });
});

describe('RequestFrameReader: limits, checked on the bytes', () => {
  it('refuses a record with a value, a bytes value or a key over the limit, alone', () => {
    const body = encodeOtlpProtobuf([
      record('x'.repeat(65)),
      record('fine'),
      record('ok', { ['k'.repeat(65)]: 'v' }),
      record('ok', { blob: new Uint8Array(65) }),
      record('ok', { map: { ['m'.repeat(65)]: 1 } }),
      record('é'.repeat(32)), // 64 bytes of UTF-8: at the limit
    ]);
    const { records, refused, refusedWhy } = read(body);
    expect(refused).toBe(4);
    expect(refusedWhy).toBe('a value longer than 64 bytes');
    expect(records.map((r) => r.body)).toEqual(['fine', 'é'.repeat(32)]);
  });

  it('names the first problem of each kind', () => {
    expect(read(encodeOtlpProtobuf([record('ok', { ['k'.repeat(65)]: 'v' })])).refusedWhy).toBe('an attribute key longer than 64 bytes');
    expect(read(encodeOtlpProtobuf([record('ok', { blob: new Uint8Array(65) })])).refusedWhy).toBe('a bytes value longer than 64 bytes');
    expect(read(encodeOtlpProtobuf([record('ok', { map: { ['m'.repeat(65)]: 1 } })])).refusedWhy).toBe('a map key longer than 64 bytes');
  });

  it('refuses the whole request when a value is nested deeper than the limit, and passes one at the limit', () => {
    const nested = (depth: number): LogValue => {
      let value: LogValue = 'bottom';
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    expect(read(encodeOtlpProtobuf([record(nested(3))])).records).toHaveLength(1);
    const error = thrown(encodeOtlpProtobuf([record('fine'), record('fine', { deep: nested(4) })]));
    expect(error.reason).toBe('too_deep');
    expect(error.message).toBe('resource_logs[0].scope_logs[0].log_records[1]: a value is nested deeper than 3 levels');
  });
});

describe('RequestFrameReader: malformed input is refused, naming where it broke', () => {
  const good = Buffer.concat([field(5, field(1, Buffer.from('hello')))]); // LogRecord { body: "hello" }

  it('reads a hand-made request', () => {
    expect(read(requestOf(good, good)).records.map((r) => r.body)).toEqual(['hello', 'hello']);
  });

  it('refuses a truncated request', () => {
    const body = encodeOtlpProtobuf([record('a'), record('b')]);
    const error = thrown(body.subarray(0, body.length - 10));
    expect(error.reason).toBe('malformed');
    expect(error.message).toMatch(/^resource_logs\[0\]/);
  });

  it('refuses a field with the wrong wire type in the record that has it', () => {
    const severityAsString = field(2, Buffer.from([0x01])); // severity_number is a varint
    const error = thrown(requestOf(good, severityAsString));
    expect(error.message).toMatch(/^resource_logs\[0\]\.scope_logs\[0\]\.log_records\[1\]: LogRecord field 2 has wire type 2, expected 0$/);
  });

  it('refuses a value whose inner length runs past its own message', () => {
    // body: AnyValue { string_value } claiming 10 bytes inside a 3-byte AnyValue, the rest of the record after it.
    const broken = Buffer.concat([Buffer.from([0x2a, 0x03, 0x0a, 0x0a, 0x41]), field(3, Buffer.from('INFO-padding'))]);
    const error = thrown(requestOf(good, broken));
    expect(error.message).toMatch(/log_records\[1\]: a field of 10 bytes runs past the end of its message/);
  });

  it('refuses a varint that runs past the end of its message', () => {
    // A LogRecord of 2 bytes whose varint severity goes on into the next field's bytes.
    const scopeLogs = Buffer.concat([Buffer.from([0x12, 0x02, 0x10, 0x80]), field(2, good)]);
    expect(thrown(field(1, field(2, scopeLogs))).message).toMatch(/log_records\[0\]: a field runs 1 bytes past the end/);
  });

  it('refuses an invalid wire type and garbage', () => {
    expect(thrown(requestOf(good, Buffer.from([0x0f]))).reason).toBe('malformed');
    expect(thrown(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])).message).toMatch(/^the request: |^resource_logs\[0\]: /);
  });
});

describe('RequestFrameReader: a record with several problems', () => {
  it('walks past every one of them and reads the records after it', () => {
    const body = encodeOtlpProtobuf([record(['x'.repeat(65), 'y'.repeat(65), new Uint8Array(70)], { a: 'z'.repeat(65), ['k'.repeat(65)]: 'v' }), record('after')]);
    const { records, refused, refusedWhy } = read(body);
    expect(refused).toBe(1);
    expect(refusedWhy).toBe('a value longer than 64 bytes');
    expect(records.map((r) => r.body)).toEqual(['after']);
  });
});

describe('RequestFrameReader: watched attribute keys', () => {
  it('tells which records carry a watched key, so a stage need not look in the others', () => {
    const reader = new RequestFrameReader({ ...limits, watchedKeys: ['correlation.global_id', 'logkit.deferred.held'] });
    const body = encodeOtlpProtobuf([
      record('with id', { 'correlation.global_id': 'g-1', nested: { 'logkit.deferred.held': true } }),
      record('without', { 'correlation.global_idx': 'not it' }),
    ]);
    const [withId, without] = reader.read(body).records as RequestFrame[];
    expect(withId!.mayHave('correlation.global_id')).toBe(true);
    expect(withId!.mayHave('logkit.deferred.held')).toBe(false); // nested, not an attribute of the record
    expect(without!.mayHave('correlation.global_id')).toBe(false);
    expect(without!.mayHave('some.other.key')).toBe(true); // not watched: unknown
    // attributeOf answers the same either way, with or without the walk.
    expect(attributeOf(withId!, 'correlation.global_id')).toBe('g-1');
    expect(attributeOf(without!, 'correlation.global_id')).toBeUndefined();
    expect(attributeOf(without!, 'correlation.global_idx')).toBe('not it');
    // Once a stage changes the record, nothing is known any more.
    without!.attributes['correlation.global_id'] = 'added';
    expect(without!.mayHave('correlation.global_id')).toBe(true);
  });
});
