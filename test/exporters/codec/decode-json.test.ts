import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpJsonDecoder } from '../../../exporters/codec/decode-json.js';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpJson } from '../../../exporters/codec/encode-json.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import type { LogkitRecord } from '../../../src/core/record.js';

const record: LogkitRecord = {
  hrTime: [1_790_000_000, 123_456_789],
  hrTimeObserved: [1_790_000_000, 223_456_789],
  spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
  severityNumber: SeverityNumber.WARN,
  severityText: 'WARN',
  body: { message: 'card declined', codes: [402, 'x'], big: 2n ** 62n, ratio: 0.5, ok: false, raw: new Uint8Array([1, 2, 3]) },
  eventName: 'payment.declined',
  resource: resourceFromAttributes({ 'service.name': 'billing' }),
  instrumentationScope: { name: 'billing.card', version: '1.2.3' },
  attributes: { 'order.id': 'o-1', attempt: 3, nested: { deeper: { deepest: true } } },
  droppedAttributesCount: 2,
};

/** The fields both decoders must agree on (resource and scope objects differ only in identity). */
function comparable(r: LogkitRecord): object {
  return { ...r, resource: r.resource.attributes, instrumentationScope: { name: r.instrumentationScope.name, version: r.instrumentationScope.version } };
}

describe('OtlpJsonDecoder', () => {
  it('reads back what the JSON encoder wrote, exactly as the protobuf decoder reads the protobuf encoding', () => {
    const fromJson = new OtlpJsonDecoder().decode(JSON.parse(encodeOtlpJson([record])));
    const fromProtobuf = new OtlpProtobufDecoder().decode(encodeOtlpProtobuf([record]));
    expect(fromJson.map(comparable)).toEqual(fromProtobuf.map(comparable));
    expect(fromJson[0]!.body).toMatchObject({ big: 2n ** 62n, raw: new Uint8Array([1, 2, 3]) });
  });

  it.each([
    [{ resourceLogs: {} }, 'resourceLogs: expected an array'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '-1' }] }] }] }, 'resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { intValue: '99999999999999999999' } }] }] }] }, 'outside the int64 range'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'zz', spanId: 'b7ad6b7169203331' }] }] }] }, 'traceId: expected 32 hex digits'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ value: { stringValue: 'no key' } }] }] }] }] }, 'attributes[0].key: expected a string'],
  ])('refuses %j naming where it broke', (request, problem) => {
    expect(() => new OtlpJsonDecoder().decode(request)).toThrow(expect.objectContaining({ code: 'LOGKIT_OTLP_MALFORMED', message: expect.stringContaining(problem) }));
  });

  it('refuses nesting beyond its depth before it can exhaust the stack', () => {
    let value: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < 100_000; i++) value = { arrayValue: { values: [value] } };
    expect(() => new OtlpJsonDecoder(16).decode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: value }] }] }] })).toThrow(/nested deeper than 16/);
  });
});
