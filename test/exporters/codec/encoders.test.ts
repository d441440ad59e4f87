import { SeverityNumber, TraceFlags, type AnyValue } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { encodeOtlpJson } from '../../../exporters/codec/encode-json.js';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { DEFAULT_SNAPSHOT_LIMITS, snapshotRecord, type LogkitRecord } from '../../../src/core/record.js';
import { ExportLogsServiceRequest } from '../receiver.js';

/** A small deterministic PRNG, so a failing case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random AnyValue of every kind the SDK accepts: strings (unicode, empty), ints, doubles, NaN/±Infinity, bools, bytes, null, nested arrays and maps. */
function anyValue(random: () => number, depth = 0): AnyValue {
  const kind = Math.floor(random() * (depth > 2 ? 7 : 9));
  switch (kind) {
    case 0:
      return ['', 'plain', 'ünïcödé ✓ 日本', 'emoji 🎉', 'x'.repeat(Math.floor(random() * 300))][Math.floor(random() * 5)]!;
    case 1:
      return [0, 1, -1, 42, -123456, 2 ** 31, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER][Math.floor(random() * 9)]!;
    case 2:
      return [0.5, -3.25, 1e-300, 1.7976931348623157e308, NaN, Infinity, -Infinity][Math.floor(random() * 7)]!;
    case 3:
      return random() < 0.5;
    case 4:
      return new Uint8Array(Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 256)));
    case 5:
      return null;
    case 6:
      return `s${Math.floor(random() * 1e6)}`;
    case 7:
      return Array.from({ length: Math.floor(random() * 4) }, () => anyValue(random, depth + 1));
    default: {
      const map: Record<string, AnyValue> = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) map[`k${i}.${Math.floor(random() * 100)}`] = anyValue(random, depth + 1);
      return map;
    }
  }
}

/** SDK records from two resources and three scopes, with spans, events and every severity. */
function generateSdkRecords(seed: number, count: number): ReadableLogRecord[] {
  const random = prng(seed);
  const emitted: ReadableLogRecord[] = [];
  // Captures the SDK's own records synchronously, as our processor receives them.
  const capture: LogRecordProcessor = { onEmit: (r) => void emitted.push(r), forceFlush: async () => {}, shutdown: async () => {} };
  const providers = [
    new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'a', 'host.id': 7 }), processors: [capture] }),
    new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'b' }), processors: [capture] }),
  ];
  const loggers = providers.flatMap((p) => [p.getLogger('one'), p.getLogger('two', '2.0.0'), p.getLogger('three', '3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' })]);
  for (let i = 0; i < count; i++) {
    const attributes: Record<string, AnyValue> = {};
    for (let a = Math.floor(random() * 6); a > 0; a--) attributes[`attr.${a}`] = anyValue(random);
    const withSpan = random() < 0.5;
    loggers[Math.floor(random() * loggers.length)]!.emit({
      timestamp: 1_700_000_000_000 + Math.floor(random() * 1e9) + random(),
      severityNumber: Math.floor(random() * 25) as SeverityNumber,
      severityText: random() < 0.5 ? 'WARN' : undefined,
      body: random() < 0.9 ? anyValue(random) : undefined,
      eventName: random() < 0.3 ? 'checkout.completed' : undefined,
      attributes,
      context: withSpan
        ? ({
            getValue: () => ({
              spanContext: () => ({ traceId: '5b8aa5a2d2c872e8321cf37308d69df2', spanId: '051581bf3cb55c13', traceFlags: random() < 0.5 ? TraceFlags.SAMPLED : TraceFlags.NONE }),
            }),
          } as never)
        : undefined,
    });
  }
  expect(emitted).toHaveLength(count);
  return emitted;
}

function ours(records: readonly ReadableLogRecord[]): LogkitRecord[] {
  const report = { truncated: 0, replaced: 0 };
  return records.map((r) => snapshotRecord(r, DEFAULT_SNAPSHOT_LIMITS, report));
}

/** Decoded with protobufjs from our own OTLP schema, defaults included so "absent" and "zero" compare equal. */
function decode(bytes: Uint8Array): unknown {
  return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true });
}

describe('the OTLP protobuf encoder', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`encodes generated records (seed ${seed}) to the same message as @opentelemetry/otlp-transformer`, () => {
      const sdkRecords = generateSdkRecords(seed, 200);
      const theirs = decode(ProtobufLogsSerializer.serializeRequest(sdkRecords)!) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] };
      expect(theirs.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords))).toHaveLength(200);
      expect(decode(encodeOtlpProtobuf(ours(sdkRecords)))).toEqual(theirs);
    });
  }

  it('writes int64 values beyond 2^53 exactly, negative ones in two’s complement, and bigints beyond int64 as text', () => {
    const [record] = ours(generateSdkRecords(9, 1));
    record!.body = 2n ** 60n + 1n;
    record!.attributes = Object.assign(Object.create(null), { negative: -(2n ** 62n), huge: 2n ** 70n, min: -(2n ** 63n) });
    const decoded = decode(encodeOtlpProtobuf([record!])) as { resourceLogs: { scopeLogs: { logRecords: { body: unknown; attributes: { key: string; value: unknown }[] }[] }[] }[] };
    const log = decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(log.body).toMatchObject({ intValue: (2n ** 60n + 1n).toString() });
    expect(log.attributes.map((a) => [a.key, a.value])).toEqual([
      ['negative', expect.objectContaining({ intValue: (-(2n ** 62n)).toString() })],
      ['huge', expect.objectContaining({ stringValue: (2n ** 70n).toString() })],
      ['min', expect.objectContaining({ intValue: (-(2n ** 63n)).toString() })],
    ]);
  });

  it('writes nanosecond timestamps exactly (fixed64 beyond 2^53)', () => {
    const [record] = ours(generateSdkRecords(11, 1));
    record!.hrTime = [1_763_793_600, 123_456_789];
    record!.hrTimeObserved = [4_294_967_295, 999_999_999];
    const log = (decode(encodeOtlpProtobuf([record!])) as { resourceLogs: { scopeLogs: { logRecords: Record<string, string>[] }[] }[] }).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(log.timeUnixNano).toBe('1763793600123456789');
    expect(log.observedTimeUnixNano).toBe('4294967295999999999');
  });
});

describe('the OTLP JSON encoder', () => {
  it('says the same as the protobuf encoder, in the OTLP/JSON mapping (hex ids, int64 as strings, "NaN"/"Infinity")', () => {
    const records = ours(generateSdkRecords(21, 300));
    const json = JSON.parse(encodeOtlpJson(records), (key, value) => {
      // OTLP/JSON writes ids as hex where proto3 JSON would use base64; convert for protobufjs.
      if ((key === 'traceId' || key === 'spanId') && typeof value === 'string') return Buffer.from(value, 'hex').toString('base64');
      return value;
    });
    const fromJson = ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(json)).finish();
    expect(decode(fromJson)).toEqual(decode(encodeOtlpProtobuf(records)));
  });

  it('writes non-finite doubles as the strings the spec asks for, and int64 as decimal strings', () => {
    const [record] = ours(generateSdkRecords(31, 1));
    record!.attributes = Object.assign(Object.create(null), { nan: NaN, inf: Infinity, ninf: -Infinity, big: 2n ** 60n, n: 5 });
    const line = encodeOtlpJson([record!]);
    expect(line).toContain('{"key":"nan","value":{"doubleValue":"NaN"}}');
    expect(line).toContain('{"key":"inf","value":{"doubleValue":"Infinity"}}');
    expect(line).toContain('{"key":"ninf","value":{"doubleValue":"-Infinity"}}');
    expect(line).toContain(`{"key":"big","value":{"intValue":"${2n ** 60n}"}}`);
    expect(line).toContain('{"key":"n","value":{"intValue":"5"}}');
  });
});

describe('the OTLP protobuf decoder (the spool replay path)', () => {
  it('reads back exactly what the encoder wrote: re-encoding gives the same bytes, groups intact', () => {
    const records = ours(generateSdkRecords(41, 300));
    records[0]!.attributes.big = 2n ** 62n;
    const bytes = encodeOtlpProtobuf(records);
    const decoded = new OtlpProtobufDecoder().decode(bytes);
    expect(decoded).toHaveLength(300);
    expect(Buffer.compare(encodeOtlpProtobuf(decoded), bytes)).toBe(0);
    expect(decoded[0]!.attributes.big).toBe(2n ** 62n);
    expect(new Set(decoded.map((r) => r.resource)).size).toBe(2);
  });
});
