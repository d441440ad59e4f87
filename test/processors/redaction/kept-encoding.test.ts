import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { RecordFrameReader, RecordFrameWriter } from '../../../exporters/codec/record-frame.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import type { LogStage } from '../../../src/core/stage.js';
import { PipelineStats } from '../../../src/core/stats.js';
import { createRedactionStage } from '../../../processors/redaction/index.js';
import { parseRedactionConfig } from '../../../processors/redaction/config.js';
import { SettingsReader } from '../../../src/core/env.js';

// In the delivery worker, records arrive as bytes and keep them, so a queue need not encode them again.
// Redaction must drop them when it changes a record, or the unredacted bytes would be sent.

// One logger: the same resource and scope objects, as the SDK gives its records.
const resource = resourceFromAttributes({ 'service.name': 'kept' });
const scope = { name: 'kept' };

function record(body: string, attributes: Record<string, string>): LogkitRecord {
  return { hrTime: [1_700_000_000, 5], hrTimeObserved: [1_700_000_000, 6], resource, instrumentationScope: scope, attributes, droppedAttributesCount: 0, body };
}

/** Through the frame format, as the worker receives records. */
function handedOver(records: LogkitRecord[]): LogkitRecord[] {
  const writer = new RecordFrameWriter();
  const reader = new RecordFrameReader();
  return records.map((r) => reader.read(Uint8Array.from(writer.frame(r))));
}

describe('records that arrive encoded, through redaction', () => {
  it('keep their bytes when nothing is redacted and lose them when something is; what is encoded afterwards is redacted', () => {
    const out: LogkitRecord[] = [];
    const sink: LogStage = { write: (r) => (out.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} };
    const stage = createRedactionStage(parseRedactionConfig(new SettingsReader({})), { stats: new PipelineStats(), resource: resourceFromAttributes({}) }, sink);
    const [first, plain, secret] = handedOver([record('warm-up', {}), record('order placed', { 'order.id': 'o-1' }), record('login ok', { password: 'hunter2-secret' })]);
    expect(keptEncodingOf(plain!)).toBeDefined();
    for (const r of [first!, plain!, secret!]) stage.write(r);
    expect(out).toHaveLength(3);
    expect(keptEncodingOf(out[1]!)).toBeDefined();
    expect(keptEncodingOf(out[2]!)).toBeUndefined();
    const sent = new OtlpProtobufDecoder().decode(encodeOtlpProtobuf(out));
    expect(sent[1]!.attributes).toEqual({ 'order.id': 'o-1' });
    expect(JSON.stringify(sent[2]!.attributes)).not.toContain('hunter2');
  });
});
