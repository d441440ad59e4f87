import type protobuf from 'protobufjs/minimal.js';
import { eachKeyValue, JsonBytes, readInt64 } from './transcode-json.js';

type Reader = protobuf.Reader;

/** What `typeof` (or Array.isArray) says of a value once it is plain JSON: what mixed arrays are told by. */
type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/**
 * An AnyValue (`reader` at its content, up to `end`) as plain JSON, written from its bytes: the text
 * `JSON.stringify(toJsonValue(value))` gives for the decoded value (src/core/record-fields.ts:
 * int64 beyond 2^53 and non-finite doubles as strings, bytes as base64, maps as objects). With
 * `uniform`, an array whose items are of different kinds has each item written as its text (what
 * Elasticsearch's `mappableJson` does). False when the decoded path must write it (two value fields,
 * a repeated or array-index key, text that is not UTF-8); `out` may then hold a partial write.
 */
export function writePlainJson(reader: Reader, end: number, out: JsonBytes, uniform: boolean): boolean {
  let written = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 <= 7 && written) return false;
    switch (tag) {
      case (1 << 3) | 2: {
        const length = reader.uint32();
        if (!out.quoted(reader.buf, reader.pos, reader.pos + length)) return false;
        reader.pos += length;
        break;
      }
      case 2 << 3:
        out.ascii(reader.bool() ? 'true' : 'false');
        break;
      case 3 << 3: {
        const value = readInt64(reader);
        out.ascii(typeof value === 'number' ? String(value) : `"${value}"`);
        break;
      }
      case (4 << 3) | 1: {
        const value = reader.double();
        out.ascii(Number.isFinite(value) ? String(value) : `"${value}"`);
        break;
      }
      case (5 << 3) | 2:
        if (!writeArray(reader, reader.uint32() + reader.pos, out, uniform)) return false;
        break;
      case (6 << 3) | 2: {
        const mapEnd = reader.uint32() + reader.pos;
        const entries: number[] = [];
        while (reader.pos < mapEnd) {
          const inner = reader.uint32();
          if (inner === ((1 << 3) | 2)) entries.push(reader.pos);
          reader.skipType(inner & 7);
        }
        if (!writePlainMap(reader, entries, out, uniform)) return false;
        reader.pos = mapEnd;
        break;
      }
      case (7 << 3) | 2:
        out.ascii(`"${Buffer.from(reader.bytes()).toString('base64')}"`);
        break;
      default:
        if (tag >>> 3 <= 7) return false;
        reader.skipType(tag & 7);
        continue;
    }
    written = true;
  }
  if (!written) out.ascii('null');
  return true;
}

/**
 * KeyValues (each at its length prefix) as one JSON object `{"key":value,…}`; false for a key seen
 * twice or an array-index key (the decoded object would merge or reorder them).
 */
export function writePlainMap(reader: Reader, positions: readonly number[], out: JsonBytes, uniform: boolean): boolean {
  out.ascii('{');
  const written = eachKeyValue(reader, positions, (keyStart, keyEnd, value, n) => {
    if (n > 0) out.ascii(',');
    if (!out.quoted(reader.buf, keyStart, keyEnd)) return false;
    out.ascii(':');
    if (value < 0) {
      out.ascii('null');
      return true;
    }
    reader.pos = value;
    return writePlainJson(reader, reader.uint32() + reader.pos, out, uniform);
  });
  out.ascii('}');
  return written;
}

/** The kind of plain JSON an AnyValue (at its content, up to `end`) becomes; the reader ends at `end`. */
export function plainKind(reader: Reader, end: number): Kind {
  let kind: Kind = 'null';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | 2:
      case (7 << 3) | 2:
        kind = 'string';
        break;
      case 2 << 3:
        kind = 'boolean';
        break;
      case 3 << 3:
        kind = typeof readInt64(reader) === 'number' ? 'number' : 'string';
        continue;
      case (4 << 3) | 1:
        kind = Number.isFinite(reader.double()) ? 'number' : 'string';
        continue;
      case (5 << 3) | 2:
        kind = 'array';
        break;
      case (6 << 3) | 2:
        kind = 'object';
        break;
      default:
        break;
    }
    reader.skipType(tag & 7);
  }
  return kind;
}

function writeArray(reader: Reader, end: number, out: JsonBytes, uniform: boolean): boolean {
  const items: number[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) items.push(reader.pos);
    reader.skipType(tag & 7);
  }
  let mixed = false;
  if (uniform) {
    let first: Kind | undefined;
    for (const at of items) {
      reader.pos = at;
      const kind = plainKind(reader, reader.uint32() + reader.pos);
      if (kind === 'null') continue;
      if (first === undefined) first = kind;
      else if (kind !== first) mixed = true;
    }
  }
  out.ascii('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.ascii(',');
    reader.pos = items[i]!;
    const itemEnd = reader.uint32() + reader.pos;
    if (!mixed) {
      if (!writePlainJson(reader, itemEnd, out, uniform)) return false;
      continue;
    }
    // A mixed array keeps strings and nulls and holds every other item as its JSON text.
    const start = reader.pos;
    const kind = plainKind(reader, itemEnd);
    reader.pos = start;
    if (kind === 'string' || kind === 'null') {
      if (!writePlainJson(reader, itemEnd, out, uniform)) return false;
      continue;
    }
    const text = new JsonBytes(64);
    if (!writePlainJson(reader, itemEnd, text, uniform) || !out.quoted(text.view(), 0, text.pos)) return false;
  }
  reader.pos = end;
  out.ascii(']');
  return true;
}
