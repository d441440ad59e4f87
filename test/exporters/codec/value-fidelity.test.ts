import { describe, expect, it } from 'vitest';
import { OtlpJsonDecoder } from '../../../exporters/codec/decode-json.js';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpJson } from '../../../exporters/codec/encode-json.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { toJsonValue, toText } from '../../../src/core/record-fields.js';
import { OtlpDouble } from '../../../src/core/otlp-values.js';
import { decodeOtlpProtobuf, ExportLogsServiceRequest } from '../receiver.js';

/** Attribute values as a third-party encoder (protobufjs, from the OTLP .proto) writes them: one of every kind, and the edges of each. */
const SENT: Record<string, object> = {
  'double.whole': { doubleValue: 1 },
  'double.zero': { doubleValue: 0 },
  'double.big_whole': { doubleValue: 2 ** 53 },
  'double.fraction': { doubleValue: 2.5 },
  'double.huge': { doubleValue: 1e300 },
  'int.small': { intValue: '7' },
  'int.negative': { intValue: '-3' },
  'int.beyond_2_53': { intValue: String(2n ** 62n + 1n) },
  'int.min': { intValue: String(-(2n ** 63n)) },
  'int.max': { intValue: String(2n ** 63n - 1n) },
  'string.empty': { stringValue: '' },
  'string.text': { stringValue: 'ünïcödé ✓' },
  'bool.false': { boolValue: false },
  'bytes.some': { bytesValue: Buffer.from([0, 1, 254, 255]).toString('base64') },
  'bytes.empty': { bytesValue: '' },
  'array.empty': { arrayValue: {} },
  'array.mixed': { arrayValue: { values: [{ doubleValue: 3 }, { intValue: '3' }, { stringValue: '3' }, { arrayValue: { values: [{ doubleValue: -1 }] } }] } },
  'map.empty': { kvlistValue: {} },
  'map.nested': { kvlistValue: { values: [{ key: 'ratio', value: { doubleValue: 100 } }, { key: 'inner', value: { kvlistValue: { values: [{ key: 'id', value: { intValue: String(2n ** 60n) } }] } } }] } },
};

function request(attributes: Record<string, object>, body: object = { doubleValue: 42 }): Uint8Array {
  const message = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fidelity' } }, { key: 'host.cpu.ratio', value: { doubleValue: 1 } }] },
        scopeLogs: [{ scope: { name: 'spec' }, logRecords: [{ timeUnixNano: '1700000000000000001', body, attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })) }] }],
      },
    ],
  };
  return ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(message)).finish();
}

/** `{ key: AnyValue }` of the first record of a request, read back by protobufjs (int64 as strings, bytes as base64). */
function attributesOf(bytes: Uint8Array): Record<string, unknown> {
  const record = decodeOtlpProtobuf(bytes).resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
  return Object.fromEntries((record.attributes ?? []).map((kv) => [kv.key, kv.value]));
}

describe('every OTLP value keeps its type and value through the codecs', () => {
  it('protobuf in, protobuf out: a whole-number double stays a double, int64 stays exact, bytes and empty values stay', () => {
    const records = new OtlpProtobufDecoder().decode(request(SENT));
    expect(records[0]!.attributes['double.whole']).toBeInstanceOf(OtlpDouble);
    expect(typeof records[0]!.attributes['int.small']).toBe('number'); // ordinary values stay plain
    const out = encodeOtlpProtobuf(records);
    expect(attributesOf(out)).toEqual(attributesOf(request(SENT)));
    const record = decodeOtlpProtobuf(out).resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
    expect(record.body).toEqual({ doubleValue: 42 });
    const resource = decodeOtlpProtobuf(out).resourceLogs![0]!.resource!.attributes!;
    expect(resource.find((kv) => kv.key === 'host.cpu.ratio')?.value).toEqual({ doubleValue: 1 });
  });

  it('keeps a negative zero a double', () => {
    const records = new OtlpProtobufDecoder().decode(request({ 'double.negative_zero': { doubleValue: -0 } }));
    const value = decodeOtlpProtobuf(encodeOtlpProtobuf(records)).resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!.attributes![0]!.value as { doubleValue?: number };
    expect(Object.is(value.doubleValue, -0)).toBe(true);
  });

  it('protobuf in, OTLP/JSON out and back: the same AnyValues field by field', () => {
    const records = new OtlpProtobufDecoder().decode(request(SENT));
    const json = JSON.parse(encodeOtlpJson(records)) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: unknown }[]; body: unknown }[] }[] }[] };
    const record = json.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    const sent = Object.entries(SENT).map(([key, value]) => ({ key, value: JSON.parse(JSON.stringify(value).replaceAll('{}', '{"values":[]}')) as unknown }));
    expect(record.attributes).toEqual(sent);
    expect(record.body).toEqual({ doubleValue: 42 });
    // OTLP/JSON read back (the collector's http/json input) and written as protobuf: still the same.
    const again = new OtlpJsonDecoder().decode(json);
    expect(attributesOf(encodeOtlpProtobuf(again))).toEqual(attributesOf(request(SENT)));
  });

  it('JSON destinations (Loki lines, Elasticsearch documents) see a whole-number double as its number', () => {
    const [record] = new OtlpProtobufDecoder().decode(request(SENT));
    expect(toJsonValue(record!.attributes['double.whole'])).toBe(1);
    expect(toText(record!.attributes['map.nested'])).toBe(`{"ratio":100,"inner":{"id":"${2n ** 60n}"}}`);
    expect(JSON.stringify({ v: record!.attributes['double.whole'] })).toBe('{"v":1}');
  });
});
