import { randomBytes } from 'node:crypto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { RecordFrameReader, RecordFrameWriter } from '../../../exporters/codec/record-frame.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { attributeOf, keptEncodingOf, recordBytesOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import type { LogStage, WriteVerdict } from '../../../src/core/stage.js';
import { PipelineStats } from '../../../src/core/stats.js';
import { createRedactionStage } from '../../../processors/redaction/index.js';
import { parseRedactionConfig } from '../../../processors/redaction/config.js';
import { SettingsReader } from '../../../src/core/env.js';

// In the delivery worker, records arrive as bytes and stay bytes, so nothing decodes them and no queue
// encodes them again. A stage that changes one can only do so through fields that let the bytes go.

// One logger: the same resource and scope objects, as the SDK gives its records.
const resource = resourceFromAttributes({ 'service.name': 'kept' });
const scope = { name: 'kept' };

function record(body: string, attributes: Record<string, string | number | bigint>): LogkitRecord {
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

  it('a record no stage changes is never decoded: redaction reads its strings in place, and a queue copies its bytes', () => {
    const out: LogkitRecord[] = [];
    const sink: LogStage = { write: (r) => (out.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} };
    const stage = createRedactionStage(parseRedactionConfig(new SettingsReader({})), { stats: new PipelineStats(), resource: resourceFromAttributes({}) }, sink);
    const [, clean, card, email, url] = handedOver([
      record('warm-up', {}),
      // An id that passes the Luhn check is no card number: its key is not a card key (see CARD_KEYS).
      record('GET /orders ok', { 'http.route': '/orders/:id', 'http.response.status_code': 200, 'order.id': 4111111111111111 }),
      record('paid', { 'payment.card': 4111111111111111 }),
      record('mail sent', { note: 'to bob@example.com' }),
      record('called', { 'url.full': 'https://bob:s3cret@api.example.com/x' }),
    ]);
    const bytes = keptEncodingOf(clean!);
    for (const r of [clean!, card!, email!, url!]) stage.write(r);
    // Passed through as the same bytes, not a copy.
    expect(keptEncodingOf(out[0]!)).toBe(bytes);
    // Reading an attribute or a scalar field leaves the bytes in place.
    expect(attributeOf(out[0]!, 'http.route')).toBe('/orders/:id');
    expect(out[0]!.severityNumber).toBeUndefined();
    expect(out[0]!.hrTime).toEqual([1_700_000_000, 5]);
    expect(recordBytesOf(out[0]!)).toBeDefined();
    // Each of the others carried something to redact: changed, and encoded from their fields.
    for (const changed of out.slice(1)) expect(keptEncodingOf(changed)).toBeUndefined();
    const sent = JSON.stringify(new OtlpProtobufDecoder().decode(encodeOtlpProtobuf(out)), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of ['"payment.card":4111111111111111', 'bob@example.com', 's3cret']) expect(sent).not.toContain(secret);
  });

  it('10,000 random 64-bit ids under an id key keep their records as bytes: an integer is no card number unless its key says so', () => {
    const out: LogkitRecord[] = [];
    const sink: LogStage = { write: (r) => (out.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} };
    const stage = createRedactionStage(parseRedactionConfig(new SettingsReader({})), { stats: new PipelineStats(), resource: resourceFromAttributes({}) }, sink);
    const ids = Array.from({ length: 10_000 }, () => BigInt.asIntN(64, randomBytes(8).readBigUInt64LE()));
    const [, ...records] = handedOver([record('warm-up', {}), ...ids.map((id) => record('order placed', { 'order.id': id, 'payment.card.count': 2 }))]);
    for (const r of records) stage.write(r);
    expect(out).toHaveLength(10_000);
    expect(out.filter((r) => keptEncodingOf(r) === undefined)).toHaveLength(0);
  });

  it('a stage that changes a record and forgets to say so cannot send its old bytes', () => {
    // A new stage written without knowing about kept bytes: it just edits the record.
    const out: LogkitRecord[] = [];
    const sink: LogStage = { write: (r) => (out.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} };
    const forgetful: LogStage = {
      write(r): WriteVerdict {
        r.attributes['card'] = '[hidden]';
        r.body = 'rewritten';
        return sink.write(r);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const severityOnly: LogStage = {
      write(r): WriteVerdict {
        r.severityNumber = 17;
        return sink.write(r);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const [, a, b] = handedOver([record('warm-up', {}), record('card 4111', { card: '4111111111111111' }), record('plain', {})]);
    forgetful.write(a!);
    severityOnly.write(b!);
    const sent = new OtlpProtobufDecoder().decode(encodeOtlpProtobuf(out));
    expect(sent[0]!.attributes).toEqual({ card: '[hidden]' });
    expect(sent[0]!.body).toBe('rewritten');
    expect(sent[1]!.severityNumber).toBe(17);
  });
});

describe('ids the pipeline generates', () => {
  // A custom pattern that matches any 32-hex string stands in for a detector that would take an id for a secret.
  const stageWith = (out: LogkitRecord[]) =>
    createRedactionStage(
      parseRedactionConfig(new SettingsReader({ OTEL_LOGKIT_REDACT_PATTERNS: 'hex=[0-9a-f]{32}' })),
      { stats: new PipelineStats(), resource: resourceFromAttributes({}) },
      { write: (r) => (out.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} },
    );
  const id = randomBytes(16).toString('hex');

  it('are not scanned under the pipeline’s id keys, as bytes or as objects; the same value elsewhere is', () => {
    for (const arrive of [(records: LogkitRecord[]) => records, handedOver]) {
      const out: LogkitRecord[] = [];
      const stage = stageWith(out);
      const records = arrive([
        record('warm-up', {}),
        record('an id', { 'log.record.uid': id, 'correlation.global_id': id }),
        record('an id elsewhere', { 'order.ref': id }),
        record('not an id', { 'log.record.uid': `token ${id}` }),
      ]);
      for (const r of records) stage.write(r);
      expect(out[1]!.attributes).toEqual({ 'log.record.uid': id, 'correlation.global_id': id });
      expect(out[2]!.attributes['order.ref']).toBe('[REDACTED:hex]');
      expect(out[3]!.attributes['log.record.uid']).toBe('token [REDACTED:hex]');
    }
  });
});

describe('the severity of a record that stays bytes', () => {
  it('is read from its bytes alone, for every severity and for none, and agrees with the decoded record', () => {
    const severities = [undefined, 1, 9, 17, 24];
    const records = handedOver([record('warm-up', {}), ...severities.map((severityNumber) => ({ ...record('r', { k: 'v' }), severityNumber }))]).slice(1);
    expect(records.map((r) => r.severityNumber)).toEqual(severities);
    // Read without decoding: the bytes are still there.
    for (const r of records) expect(keptEncodingOf(r)).toBeDefined();
    expect(new OtlpProtobufDecoder().decode(encodeOtlpProtobuf(records)).map((r) => r.severityNumber)).toEqual(severities);
  });
});
