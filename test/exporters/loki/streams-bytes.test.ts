import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { otlpRecordViews } from '../../../exporters/codec/record-views.js';
import { parseLokiConfig } from '../../../exporters/loki/config.js';
import { LabelCardinalityGuard, LokiStreamBuilder } from '../../../exporters/loki/streams.js';
import { SettingsReader } from '../../../src/core/env.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import { BODY_KINDS, VALUE_KINDS } from '../value-kinds.js';

// A record that still holds its OTLP bytes gives its Loki line and structured metadata straight from
// them; the streams must be the very ones the decoded records give, whatever the values.

const resource = resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'prod' });

const VALUES = { ...VALUE_KINDS, 'service.name': 'payments' };

function records(): LogkitRecord[] {
  return BODY_KINDS.map((body, i) => ({
    resource,
    instrumentationScope: { name: i % 2 === 0 ? 'billing' : '' },
    hrTime: [1_763_000_000 + (i % 3), 123_456_789 - i],
    hrTimeObserved: [1_763_000_100, 5],
    body,
    severityNumber: 5 + (i % 4) * 4,
    attributes: i % 3 === 0 ? { ...VALUES } : { only: i },
    droppedAttributesCount: 0,
    ...(i % 3 === 1 ? { eventName: 'order.placed', spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 } } : {}),
  }));
}

describe('Loki streams from record bytes', () => {
  it.each([['structured metadata', 'true'], ['no structured metadata (Loki 2)', 'false']])('are the streams the decoded records give (%s)', (_, metadata) => {
    const config = parseLokiConfig(new SettingsReader({ OTEL_LOGKIT_LOKI_ENDPOINT: 'http://127.0.0.1:3100', OTEL_LOGKIT_LOKI_STRUCTURED_METADATA: metadata }));
    const otlp = encodeOtlpProtobuf(records());
    const views = otlpRecordViews(otlp, new OtlpProtobufDecoder());
    const fromBytes = new LokiStreamBuilder(config, new LabelCardinalityGuard(50)).build(views);
    expect(views.every((r) => keptEncodingOf(r) !== undefined)).toBe(true); // read in place: nothing decoded
    const decoded = new LokiStreamBuilder(config, new LabelCardinalityGuard(50)).build(new OtlpProtobufDecoder().decode(otlp));
    expect(fromBytes).toEqual(decoded);
    expect(fromBytes.flatMap((s) => s.entries)).toHaveLength(BODY_KINDS.length);
  });
});
