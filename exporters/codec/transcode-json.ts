import protobuf from 'protobufjs/minimal.js';
import { readKey } from './decode-protobuf.js';

type Reader = protobuf.Reader;

/**
 * The OTLP/JSON text of one `LogRecord`, written straight from its OTLP bytes (one
 * `ScopeLogs.log_records` field, as a record view holds it) — no record object, no value objects:
 * the same text `encodeOtlpJson` writes for the decoded record (field order, int64 as decimal strings,
 * ids as hex, bytes as base64, whole doubles as plain numbers, non-finite ones as names).
 * Undefined when the bytes hold what an object would reorder or merge (a repeated key, a key that
 * is an array index, a field twice): the caller then writes the decoded record, so the text is the
 * same either way.
 */
export function otlpJsonOfRecordBytes(bytes: Uint8Array): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  reader.uint32(); // the field's tag
  const end = reader.uint32() + reader.pos;
  let time = '0';
  let observed = '0';
  let severity = 0;
  let severityText = '';
  let body: string | undefined;
  let eventName = '';
  let attributes = '';
  let keys: string[] | undefined;
  let dropped = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | 1:
        time = fixed64Decimal(reader);
        break;
      case 2 << 3:
        severity = reader.int32();
        break;
      case (3 << 3) | 2:
        severityText = reader.string();
        break;
      case (5 << 3) | 2: {
        if (body !== undefined) return undefined;
        body = anyValue(reader, reader.uint32() + reader.pos);
        if (body === undefined) return undefined;
        break;
      }
      case (6 << 3) | 2: {
        const kv = keyValue(reader, reader.uint32() + reader.pos, (keys ??= []));
        if (kv === undefined) return undefined;
        attributes = attributes === '' ? kv : `${attributes},${kv}`;
        break;
      }
      case 7 << 3:
        dropped = reader.uint32();
        break;
      case (8 << 3) | 5:
        flags = reader.fixed32();
        break;
      case (9 << 3) | 2:
        traceId = hex(reader);
        break;
      case (10 << 3) | 2:
        spanId = hex(reader);
        break;
      case (11 << 3) | 1:
        observed = fixed64Decimal(reader);
        break;
      case (12 << 3) | 2:
        eventName = reader.string();
        break;
      default:
        // A field the decoder reads in a form not handled here (a packed or repeated scalar): the decoded path decides.
        if ((tag >>> 3) <= 12) return undefined;
        reader.skipType(tag & 7);
    }
  }
  let out = `{"timeUnixNano":"${time}","observedTimeUnixNano":"${observed}"`;
  if (severity) out += `,"severityNumber":${severity}`;
  if (severityText) out += `,"severityText":${JSON.stringify(severityText)}`;
  if (body !== undefined) out += `,"body":${body}`;
  if (eventName) out += `,"eventName":${JSON.stringify(eventName)}`;
  out += `,"attributes":[${attributes}]`;
  if (dropped) out += `,"droppedAttributesCount":${dropped}`;
  if (traceId && spanId) {
    if (flags) out += `,"flags":${flags}`;
    out += `,"traceId":"${traceId}","spanId":"${spanId}"`;
  }
  return `${out}}`;
}

/** One KeyValue as `{"key":…,"value":{…}}`; undefined for a key already seen or an array-index key (an object would reorder them). */
function keyValue(reader: Reader, end: number, seen: string[]): string | undefined {
  let key = '';
  let value = '{}';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) key = readKey(reader);
    else if (tag === ((2 << 3) | 2)) {
      const read = anyValue(reader, reader.uint32() + reader.pos);
      if (read === undefined) return undefined;
      value = read;
    } else reader.skipType(tag & 7);
  }
  if (seen.includes(key) || ARRAY_INDEX.test(key)) return undefined;
  seen.push(key);
  return `${keyPrefix(key)}${value}}`;
}

/** Keys an object orders before the others (integer-like property names). */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

const keyPrefixes = new Map<string, string>();

/** `{"key":"<key>","value":` — attribute keys repeat on every record, so each is escaped once (bounded). */
function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `{"key":${JSON.stringify(key)},"value":`;
    if (keyPrefixes.size >= 4096) keyPrefixes.clear();
    keyPrefixes.set(key, prefix);
  }
  return prefix;
}

/** An AnyValue per the OTLP/JSON mapping; the last of its fields wins, as when decoded. */
function anyValue(reader: Reader, end: number): string | undefined {
  let out = '{}';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        out = `{"stringValue":${JSON.stringify(reader.string())}}`;
        break;
      case 2 << 3:
        out = reader.bool() ? '{"boolValue":true}' : '{"boolValue":false}';
        break;
      case 3 << 3:
        out = `{"intValue":"${int64Decimal(reader)}"}`;
        break;
      case (4 << 3) | 1: {
        const value = reader.double();
        out = `{"doubleValue":${Number.isFinite(value) ? String(value) : Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"'}}`;
        break;
      }
      case (5 << 3) | 2: {
        const arrayEnd = reader.uint32() + reader.pos;
        let items = '';
        while (reader.pos < arrayEnd) {
          const inner = reader.uint32();
          if (inner !== ((1 << 3) | 2)) {
            reader.skipType(inner & 7);
            continue;
          }
          const item = anyValue(reader, reader.uint32() + reader.pos);
          if (item === undefined) return undefined;
          items = items === '' ? item : `${items},${item}`;
        }
        out = `{"arrayValue":{"values":[${items}]}}`;
        break;
      }
      case (6 << 3) | 2: {
        const mapEnd = reader.uint32() + reader.pos;
        const seen: string[] = [];
        let entries = '';
        while (reader.pos < mapEnd) {
          const inner = reader.uint32();
          if (inner !== ((1 << 3) | 2)) {
            reader.skipType(inner & 7);
            continue;
          }
          const entry = keyValue(reader, reader.uint32() + reader.pos, seen);
          if (entry === undefined) return undefined;
          entries = entries === '' ? entry : `${entries},${entry}`;
        }
        out = `{"kvlistValue":{"values":[${entries}]}}`;
        break;
      }
      case (7 << 3) | 2:
        out = `{"bytesValue":"${Buffer.from(reader.bytes()).toString('base64')}"}`;
        break;
      default:
        if ((tag >>> 3) <= 7) return undefined;
        reader.skipType(tag & 7);
    }
  }
  return out;
}

/** An int64 varint as its exact decimal text. */
function int64Decimal(reader: Reader): string {
  const long = reader.int64() as unknown as { low: number; high: number };
  if (long.high === 0) return String(long.low >>> 0);
  if (long.high === -1 && (long.low | 0) < 0) return String(long.low | 0);
  return BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0)).toString();
}

/** A fixed64 (nanoseconds since the epoch) as its exact decimal text. */
function fixed64Decimal(reader: Reader): string {
  const long = reader.fixed64() as unknown as { low: number; high: number };
  const high = long.high >>> 0;
  const low = long.low >>> 0;
  if (high < 0x200000) return String(high * 4294967296 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

function hex(reader: Reader): string {
  const length = reader.uint32();
  const start = reader.pos;
  reader.pos += length;
  const buf = reader.buf;
  return Buffer.from(buf.buffer, buf.byteOffset + start, length).toString('hex');
}
