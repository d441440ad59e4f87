import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { encodeOtlpJson } from '../../../exporters/codec/encode-json.js';
import { EncodedBatch } from '../../../exporters/codec/encoded-batch.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { OutgoingBatch } from '../../../exporters/delivery/outgoing-batch.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../../src/core/record.js';

// A protocol that builds its own payload (Loki, Elasticsearch, OTLP/JSON, file) reads a batch as records:
// views over the batch's bytes, never the whole request decoded back into objects.

const api = resourceFromAttributes({ 'service.name': 'api' });
const worker = resourceFromAttributes({ 'service.name': 'worker' });
const http = { name: 'http', version: '1.0.0' };
const jobs = { name: 'jobs', schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' };

function record(body: string, resource = api, scope: { name: string; version?: string; schemaUrl?: string } = http): LogkitRecord {
  return { hrTime: [1_700_000_000, 5], hrTimeObserved: [1_700_000_000, 6], resource, instrumentationScope: scope, attributes: { 'order.id': body, big: 2n ** 60n }, droppedAttributesCount: 0, body, severityNumber: 9 };
}

const mixed = [record('a'), record('b', worker, jobs), record('c'), record('d', worker, http), record('e', worker, jobs)];

describe('a batch read back from the spool', () => {
  it('gives its records as views over the request bytes, in request order, with one resource and scope object per origin', () => {
    const otlp = encodeOtlpProtobuf(mixed);
    const batch = OutgoingBatch.fromOtlp(otlp, mixed.length, new OtlpProtobufDecoder());
    const records = batch.records();
    expect(records.map((r) => r.body)).toEqual(['a', 'c', 'b', 'e', 'd']);
    const [, , b, e, d] = batch.records();
    expect(b!.resource).toBe(e!.resource);
    expect(b!.instrumentationScope).toBe(e!.instrumentationScope);
    expect(d!.instrumentationScope).not.toBe(e!.instrumentationScope);
    expect(b!.resource.attributes).toEqual({ 'service.name': 'worker' });
    // Unread records still hold their bytes, and those bytes are the request's own memory.
    const fresh = OutgoingBatch.fromOtlp(otlp, mixed.length, new OtlpProtobufDecoder()).records();
    for (const r of fresh) {
      const bytes = keptEncodingOf(r)!;
      expect(bytes.buffer).toBe(otlp.buffer);
    }
    expect(encodeOtlpProtobuf(fresh)).toEqual(otlp);
  });

  it('reads as the records it was written from, values exact', () => {
    const otlp = encodeOtlpProtobuf(mixed);
    const records = OutgoingBatch.fromOtlp(otlp, mixed.length, new OtlpProtobufDecoder()).records();
    expect(encodeOtlpJson(records)).toBe(encodeOtlpJson(mixed));
    expect(records[0]!.attributes.big).toBe(2n ** 60n);
  });
});

describe('a batch encoded on hand-over', () => {
  it('gives its records as views over the queue buffer, in request order, and picks keep that order', () => {
    const encoded = new EncodedBatch();
    for (const r of mixed) encoded.add(r);
    const batch = OutgoingBatch.fromEncoded(encoded, new OtlpProtobufDecoder());
    const records = batch.records();
    expect(records.every((r) => keptEncodingOf(r) !== undefined)).toBe(true);
    expect(records.map((r) => r.body)).toEqual(['a', 'c', 'b', 'e', 'd']);
    expect(encodeOtlpJson(records)).toBe(encodeOtlpJson(mixed));
    expect(batch.pick([1, 3]).records().map((r) => r.body)).toEqual(['c', 'e']);
    batch.release();
  });

  it('is sent as the same request bytes as records encoded whole, assembled in one buffer of the exact size', () => {
    const encoded = new EncodedBatch();
    for (const r of mixed) encoded.add(r);
    const otlp = OutgoingBatch.fromEncoded(encoded, new OtlpProtobufDecoder()).otlp();
    expect(otlp).toEqual(encodeOtlpProtobuf(mixed));
    expect(Buffer.from(encoded.toOtlp([4, 0]))).toEqual(encodeOtlpProtobuf([mixed[4]!, mixed[0]!]));
    // A record longer than 127 bytes and a scope with many records: multi-byte length prefixes.
    const long = new EncodedBatch();
    const many = Array.from({ length: 300 }, (_, i) => record(`${'x'.repeat(i)}`, worker, jobs));
    for (const r of many) long.add(r);
    expect(Buffer.from(long.toOtlp())).toEqual(encodeOtlpProtobuf(many));
  });
});
