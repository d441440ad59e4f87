import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import protobuf from 'protobufjs/minimal.js';
import { receivedResource } from './received-resource.js';
import { readDouble } from '../../src/core/otlp-values.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';

type Reader = protobuf.Reader;

/**
 * Reads an `ExportLogsServiceRequest` written by {@link encodeOtlpProtobuf} back into records — the
 * spool's replay path, so any protocol can re-encode what was spooled. Identical resources and scopes
 * come back as the same objects (interned by their encoded bytes), so replayed records group as the
 * originals did. Throws on malformed input; the spool checksums frames before it gets here.
 */
export class OtlpProtobufDecoder {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, InstrumentationScope>();

  decode(bytes: Uint8Array): LogkitRecord[] {
    const records: LogkitRecord[] = [];
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ((1 << 3) | 2)) this.resourceLogs(reader, reader.uint32() + reader.pos, records);
      else reader.skipType(tag & 7);
    }
    return records;
  }

  private resourceLogs(reader: Reader, end: number, out: LogkitRecord[]): void {
    const { head, children, schemaUrl } = readEnvelope(reader, end);
    const resource = this.resource(head, schemaUrl);
    for (const scopeLogs of children) {
      reader.pos = scopeLogs.start;
      this.scopeLogs(reader, scopeLogs.end, resource, out);
    }
    reader.pos = end;
  }

  private scopeLogs(reader: Reader, end: number, resource: Resource, out: LogkitRecord[]): void {
    const { head, children, schemaUrl } = readEnvelope(reader, end);
    const scope = this.scope(head, schemaUrl);
    for (const log of children) {
      reader.pos = log.start;
      out.push(readLogRecord(reader, log.end, resource, scope));
    }
    reader.pos = end;
  }

  /** The resource of a `Resource` message and schema URL, the same object for the same bytes. */
  resource(bytes: Uint8Array, schemaUrl: string | undefined): Resource {
    const key = `${Buffer.from(bytes).toString('base64')}|${schemaUrl ?? ''}`;
    let resource = this.resources.get(key);
    if (!resource) {
      const reader = protobuf.Reader.create(bytes);
      const attributes: LogMap = Object.create(null);
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        if (tag >>> 3 === 1) readKeyValue(reader, reader.uint32() + reader.pos, attributes);
        else reader.skipType(tag & 7);
      }
      resource = receivedResource(attributes, schemaUrl);
      this.resources.set(key, resource);
    }
    return resource;
  }

  /** The scope of an `InstrumentationScope` message and schema URL, the same object for the same bytes. */
  scope(bytes: Uint8Array, schemaUrl: string | undefined): InstrumentationScope {
    const key = `${Buffer.from(bytes).toString('base64')}|${schemaUrl ?? ''}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      const reader = protobuf.Reader.create(bytes);
      let name = '';
      let version: string | undefined;
      let attributes: LogMap | undefined;
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        switch (tag >>> 3) {
          case 1:
            name = reader.string();
            break;
          case 2:
            version = reader.string();
            break;
          case 3:
            attributes ??= Object.create(null) as LogMap;
            readKeyValue(reader, reader.uint32() + reader.pos, attributes);
            break;
          default:
            reader.skipType(tag & 7);
        }
      }
      const out: InstrumentationScope & { attributes?: Attributes } = { name, version, schemaUrl: schemaUrl || undefined };
      if (attributes) out.attributes = attributes as Attributes;
      scope = out;
      this.scopes.set(key, scope);
    }
    return scope;
  }
}

/** One `ScopeLogs.log_records` field as `writeLogRecord` writes it (tag and length included), under a known resource and scope. */
export function decodeLogRecordField(bytes: Uint8Array, resource: Resource, scope: InstrumentationScope): LogkitRecord {
  const reader = protobuf.Reader.create(bytes);
  reader.uint32(); // the field's tag
  const length = reader.uint32();
  return readLogRecord(reader, reader.pos + length, resource, scope);
}

/** Where one child message lies: `field` at its tag, `start` at its content (past the length), `end` after it. */
export interface ChildSpan {
  field: number;
  start: number;
  end: number;
}

/**
 * ResourceLogs and ScopeLogs share one shape: field 1 the resource/scope message, field 2 the repeated
 * children, field 3 the schema URL. Children are located first and read afterwards, because the
 * head may come after them on the wire. A child's `field` is where its tag starts (`start`: its message).
 */
export function readEnvelope(reader: Reader, end: number): { head: Uint8Array; children: ChildSpan[]; schemaUrl?: string } {
  let head: Uint8Array = new Uint8Array(0);
  let schemaUrl: string | undefined;
  const children: ChildSpan[] = [];
  while (reader.pos < end) {
    const field = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 >= 1 && tag >>> 3 <= 3 && (tag & 7) !== 2) throw new RangeError(`field ${tag >>> 3} has wire type ${tag & 7}, expected 2 (length-delimited)`);
    switch (tag >>> 3) {
      case 1:
        head = reader.bytes();
        break;
      case 2: {
        const length = reader.uint32();
        if (reader.pos + length > end) throw new RangeError(`a field of ${length} bytes runs past the end of its message`);
        children.push({ field, start: reader.pos, end: reader.pos + length });
        reader.skip(length);
        break;
      }
      case 3:
        schemaUrl = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return { head, children, schemaUrl };
}

function readLogRecord(reader: Reader, end: number, resource: Resource, scope: InstrumentationScope): LogkitRecord {
  const record: LogkitRecord = {
    hrTime: [0, 0],
    hrTimeObserved: [0, 0],
    resource,
    instrumentationScope: scope,
    attributes: Object.create(null) as LogMap,
    droppedAttributesCount: 0,
  };
  readLogRecordFields(reader, end, record, record);
  return record;
}

/** The fields of a `LogRecord` other than its body and attributes. */
export type LogRecordScalars = Omit<LogkitRecord, 'resource' | 'instrumentationScope' | 'body' | 'attributes'>;

/**
 * Reads a `LogRecord` message into `into`; its body and attributes into `values`, or — without
 * `values` — passed over undecoded (a record that stays bytes reads only its scalar fields).
 */
export function readLogRecordFields(reader: Reader, end: number, into: LogRecordScalars, values?: Pick<LogkitRecord, 'body' | 'attributes'>): void {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let flags = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        into.hrTime = readTime(reader);
        break;
      case 2:
        into.severityNumber = reader.int32();
        break;
      case 3:
        into.severityText = reader.string();
        break;
      case 5:
        if (values) values.body = readAnyValue(reader, reader.uint32() + reader.pos);
        else reader.skipType(tag & 7);
        break;
      case 6:
        if (values) readKeyValue(reader, reader.uint32() + reader.pos, values.attributes);
        else reader.skipType(tag & 7);
        break;
      case 7:
        into.droppedAttributesCount = reader.uint32();
        break;
      case 8:
        flags = reader.fixed32();
        break;
      case 9:
        traceId = Buffer.from(reader.bytes()).toString('hex');
        break;
      case 10:
        spanId = Buffer.from(reader.bytes()).toString('hex');
        break;
      case 11:
        into.hrTimeObserved = readTime(reader);
        break;
      case 12:
        into.eventName = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  if (traceId && spanId) into.spanContext = { traceId, spanId, traceFlags: flags } satisfies SpanContext;
}

/** The last time decoded exactly: records of one second differ only in the low word, so most need no BigInt. */
let lastHigh = -1;
let lastLow = 0;
let lastSeconds = 0;
let lastNanos = 0;

function readTime(reader: Reader): [number, number] {
  const long = reader.fixed64() as unknown as { low: number; high: number };
  const high = long.high >>> 0;
  const low = long.low >>> 0;
  if (high === lastHigh && low >= lastLow && lastNanos + (low - lastLow) < 1_000_000_000) return [lastSeconds, lastNanos + (low - lastLow)];
  const nanos = (BigInt(high) << 32n) | BigInt(low);
  lastHigh = high;
  lastLow = low;
  lastSeconds = Number(nanos / 1_000_000_000n);
  lastNanos = Number(nanos % 1_000_000_000n);
  return [lastSeconds, lastNanos];
}

/**
 * Attribute keys repeat record after record: each is decoded once and then recognised by its bytes
 * (a short compare instead of a UTF-8 decode and a new string per record). Bounded like the encoder's.
 */
const keyCache = new Map<number, { bytes: Uint8Array; key: string }>();
const KEY_CACHE_LIMIT = 4096;

export function readKey(reader: Reader): string {
  const length = reader.uint32();
  const start = reader.pos;
  const buf = reader.buf;
  if (length === 0 || length > 64 || start + length > reader.len) {
    reader.pos = start;
    return readStringOfLength(reader, length);
  }
  const hash = (length * 31 + buf[start]! * 7 + buf[start + length - 1]! * 131 + buf[start + (length >> 1)]! * 8191) | 0;
  const cached = keyCache.get(hash);
  if (cached !== undefined && cached.bytes.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.bytes[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      reader.pos = start + length;
      return cached.key;
    }
  }
  const key = readStringOfLength(reader, length);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(hash, { bytes: buf.slice(start, start + length), key });
  return key;
}

function readStringOfLength(reader: Reader, length: number): string {
  const start = reader.pos;
  reader.pos = start + length;
  return Buffer.from(reader.buf.buffer, reader.buf.byteOffset + start, length).toString('utf8');
}

function readKeyValue(reader: Reader, end: number, into: LogMap): void {
  let key = '';
  let value: LogValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) key = readKey(reader);
    else if (tag >>> 3 === 2) value = readAnyValue(reader, reader.uint32() + reader.pos);
    else reader.skipType(tag & 7);
  }
  into[key] = value;
}

/** int64 comes back as a number when exact, else as a bigint; a whole-number double as an OtlpDouble; an empty AnyValue as null. */
export function readAnyValue(reader: Reader, end: number): LogValue {
  let value: LogValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        value = reader.string();
        break;
      case 2:
        value = reader.bool();
        break;
      case 3: {
        const long = reader.int64() as unknown as { low: number; high: number };
        // Small integers (the usual case) need no BigInt: non-negative below 2^32, or negative above -2^31.
        if (long.high === 0) {
          value = long.low >>> 0;
          break;
        }
        if (long.high === -1 && (long.low | 0) < 0) {
          value = long.low | 0;
          break;
        }
        const big = BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
        value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
        break;
      }
      case 4:
        value = readDouble(reader.double());
        break;
      case 5: {
        const items: LogValue[] = [];
        const arrayEnd = reader.uint32() + reader.pos;
        while (reader.pos < arrayEnd) {
          const inner = reader.uint32();
          if (inner >>> 3 === 1) items.push(readAnyValue(reader, reader.uint32() + reader.pos));
          else reader.skipType(inner & 7);
        }
        value = items;
        break;
      }
      case 6: {
        const map: LogMap = Object.create(null);
        const mapEnd = reader.uint32() + reader.pos;
        while (reader.pos < mapEnd) {
          const inner = reader.uint32();
          if (inner >>> 3 === 1) readKeyValue(reader, reader.uint32() + reader.pos, map);
          else reader.skipType(inner & 7);
        }
        value = map;
        break;
      }
      case 7:
        value = new Uint8Array(reader.bytes());
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return value;
}
