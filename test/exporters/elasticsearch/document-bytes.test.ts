import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { otlpRecordViews } from '../../../exporters/codec/record-views.js';
import { parseElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../../exporters/elasticsearch/protocol.js';
import { SettingsReader } from '../../../src/core/env.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import { BODY_KINDS, VALUE_KINDS } from '../value-kinds.js';

// A record that still holds its OTLP bytes becomes its _bulk document straight from them; the body
// must be the very bytes the decoded record gives, whatever the values.

const resource = resourceFromAttributes({ 'service.name': 'documents', 'host.cpu.ratio': 1 });
const scope = { name: 'spec', version: '2.0.0' };

function records(): LogkitRecord[] {
  return BODY_KINDS.map((body, i) => ({
    resource,
    instrumentationScope: i % 2 === 0 ? scope : { name: 'other' },
    hrTime: i === 3 ? [0, 0] : [1_700_000_000 + i, 123_456_789],
    hrTimeObserved: [1_700_000_100, 5],
    body,
    attributes: { 'log.record.uid': `uid-${i}`, ...(i % 3 === 0 ? VALUE_KINDS : { only: i }) },
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
    expect(fromBytes.split('\n')).toHaveLength(2 * BODY_KINDS.length + 1);
  });
});
