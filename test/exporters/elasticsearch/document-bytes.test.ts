import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { otlpRecordViews } from '../../../exporters/codec/record-views.js';
import { parseElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../../exporters/elasticsearch/protocol.js';
import { SettingsReader } from '../../../src/core/env.js';
import { OtlpDouble } from '../../../src/core/otlp-values.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord, LogMap, LogValue } from '../../../src/core/record.js';

// A record that still holds its OTLP bytes becomes its _bulk document straight from them; the body
// must be the very bytes the decoded record gives, whatever the values.

const resource = resourceFromAttributes({ 'service.name': 'documents', 'host.cpu.ratio': 1 });
const scope = { name: 'spec', version: '2.0.0' };

const VALUES: LogMap = {
  text: 'ünïcödé ✓ 😀 "quoted" \\ \n\t\u0001\u2028',
  yes: true,
  small: -7,
  beyond: 2n ** 62n + 1n,
  whole: new OtlpDouble(100),
  fraction: 2.5,
  nan: Number.NaN,
  inf: Number.NEGATIVE_INFINITY,
  bytes: new Uint8Array([0, 1, 254, 255]),
  nothing: null,
  uniform: [1, 2, new OtlpDouble(3), null],
  mixed: [1, 'two', false, null, [3, 'x'], { k: [1, 'y'] }, 2n ** 62n, Number.NaN, new Uint8Array([1])],
  nested: { ratio: new OtlpDouble(1), inner: { id: 2n ** 60n, list: ['a', 1] }, '': 'empty key' },
  emptyList: [],
  emptyMap: {},
};

const BODIES: (LogValue | undefined)[] = ['plain', undefined, null, 42, new OtlpDouble(7), 2.5, Number.NaN, true, 2n ** 62n, new Uint8Array([9, 9]), VALUES.nested, VALUES.mixed, ''];

function records(): LogkitRecord[] {
  return BODIES.map((body, i) => ({
    resource,
    instrumentationScope: i % 2 === 0 ? scope : { name: 'other' },
    hrTime: i === 3 ? [0, 0] : [1_700_000_000 + i, 123_456_789],
    hrTimeObserved: [1_700_000_100, 5],
    body,
    attributes: { 'log.record.uid': `uid-${i}`, ...(i % 3 === 0 ? VALUES : { only: i }) },
    droppedAttributesCount: i % 4,
    ...(i % 2 === 0 ? { severityNumber: 9, severityText: i === 4 ? '' : 'INFO' } : {}),
    ...(i % 3 === 1 ? { eventName: 'order.placed', spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 } } : {}),
  }));
}

describe('Elasticsearch documents written from record bytes', () => {
  it.each([
    ['a data stream', {}],
    ['a plain index', { OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'app-logs' }],
  ])('are the bytes the decoded records give, for every kind of value and field (%s)', (_, env) => {
    const protocol = new ElasticsearchProtocol(parseElasticsearchConfig(new SettingsReader({ OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://127.0.0.1:9200', ...env })));
    const otlp = encodeOtlpProtobuf(records());
    const views = otlpRecordViews(otlp, new OtlpProtobufDecoder());
    const fromBytes = Buffer.from(protocol.encode(views).body).toString('utf8');
    expect(views.every((r) => keptEncodingOf(r) !== undefined)).toBe(true); // read in place: nothing decoded
    const decoded = new OtlpProtobufDecoder().decode(otlp);
    expect(fromBytes).toBe(Buffer.from(protocol.encode(decoded).body).toString('utf8'));
    expect(fromBytes.split('\n')).toHaveLength(2 * BODIES.length + 1);
  });
});
