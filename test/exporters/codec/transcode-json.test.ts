import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpJson, toExportRequest } from '../../../exporters/codec/encode-json.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { otlpRecordViews } from '../../../exporters/codec/record-views.js';
import { JsonBytes, writeOtlpJsonOfRecordBytes } from '../../../exporters/codec/transcode-json.js';
import { OtlpDouble } from '../../../src/core/otlp-values.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord, LogMap } from '../../../src/core/record.js';
import { ExportLogsServiceRequest } from '../receiver.js';

// A record that still holds its OTLP bytes is written as OTLP/JSON straight from them; the text must be
// the very text the decoded record gives, whatever the values.

const resource = resourceFromAttributes({ 'service.name': 'transcode', 'host.cpu.ratio': 1 });
const scope = { name: 'spec', version: '2.0.0', schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' };

const VALUES: LogMap = {
  text: 'ünïcödé ✓ 😀 "quoted" \\ \n\t\b\f\r\u0001\u001f\u007f\u2028 </script>',
  'key "quoted"\n': 'key with escapes',
  empty: '',
  yes: true,
  no: false,
  small: 7,
  negative: -3,
  beyond: 2n ** 62n + 1n,
  min: -(2n ** 63n),
  max: 2n ** 63n - 1n,
  whole: new OtlpDouble(100),
  zero: new OtlpDouble(-0),
  fraction: 2.5,
  huge: 1e300,
  tiny: -5e-324,
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  ninf: Number.NEGATIVE_INFINITY,
  bytes: new Uint8Array([0, 1, 254, 255]),
  noBytes: new Uint8Array(0),
  nothing: null,
  list: [3, '3', new OtlpDouble(3), [true, null], { inner: 1 }],
  map: { ratio: new OtlpDouble(1), nested: { id: 2n ** 60n, '': 'empty key' } },
  emptyList: [],
  emptyMap: {},
};

function records(): LogkitRecord[] {
  const base = { resource, instrumentationScope: scope, droppedAttributesCount: 0 };
  return [
    { ...base, hrTime: [1_700_000_000, 123_456_789], hrTimeObserved: [1_700_000_001, 5], body: 'plain', attributes: { ...VALUES }, severityNumber: 9, severityText: 'INFO' },
    { ...base, hrTime: [1_700_000_000, 0], hrTimeObserved: [0, 0], body: { structured: VALUES.map!, at: [1, 2] }, attributes: {}, eventName: 'order.placed', droppedAttributesCount: 3, spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 } },
    { ...base, hrTime: [5, 1], hrTimeObserved: [18_000_000_000, 999_999_999], body: null, attributes: { 'a.b': 1 }, spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 } },
    { ...base, hrTime: [0, 0], hrTimeObserved: [0, 0], attributes: { big: new OtlpDouble(2 ** 60), fraction: 0.1 } },
  ];
}

describe('OTLP/JSON written from record bytes', () => {
  it('is the text the decoded records give, for every kind of value and field', () => {
    const otlp = encodeOtlpProtobuf(records());
    const views = otlpRecordViews(otlp, new OtlpProtobufDecoder());
    expect(views.every((r) => keptEncodingOf(r) !== undefined)).toBe(true);
    const transcoded = encodeOtlpJson(views);
    expect(views.every((r) => keptEncodingOf(r) !== undefined)).toBe(true); // read in place: nothing decoded
    const decoded = new OtlpProtobufDecoder().decode(otlp);
    expect(transcoded).toBe(JSON.stringify(toExportRequest(decoded)));
    expect(JSON.parse(transcoded)).toEqual(JSON.parse(encodeOtlpJson(records())));
  });

  it('leaves to the decoded record what an object would reorder or merge (a repeated key, an array-index key) and text that is not UTF-8', () => {
    const message = (attributes: { key: string; value: object }[]) =>
      ExportLogsServiceRequest.encode(
        ExportLogsServiceRequest.fromObject({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 's' }, logRecords: [{ timeUnixNano: '1', attributes }] }] }] }),
      ).finish();
    const repeated = message([{ key: 'k', value: { intValue: '1' } }, { key: 'other', value: { boolValue: true } }, { key: 'k', value: { intValue: '2' } }]);
    const indexed = message([{ key: 'b', value: { intValue: '1' } }, { key: '7', value: { intValue: '2' } }]);
    // A lone surrogate is not UTF-8 (protobufjs writes it as ED A0 80): decoding decides what it reads as.
    const unpaired = message([{ key: 'text', value: { stringValue: 'a\ud800b' } }]);
    for (const bytes of [repeated, indexed, unpaired]) {
      const [view] = otlpRecordViews(bytes, new OtlpProtobufDecoder());
      const out = new JsonBytes(64);
      expect(writeOtlpJsonOfRecordBytes(keptEncodingOf(view!)!, out)).toBe(false);
      expect(out.pos).toBe(0);
      expect(encodeOtlpJson([view!])).toBe(JSON.stringify(toExportRequest(new OtlpProtobufDecoder().decode(bytes))));
    }
  });
});
