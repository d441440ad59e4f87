import protobuf from 'protobufjs/minimal.js';

type Reader = protobuf.Reader;

/**
 * JSON text written as bytes into one growing buffer: the OTLP/JSON of a batch is written here in
 * one pass, strings copied from the records' OTLP bytes (escaped as JSON.stringify escapes them),
 * so no JavaScript string is made for a value that only passes through.
 */
export class JsonBytes {
  private buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, size));
  }

  /** The bytes written, without a copy. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  ensure(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    return this.buf;
  }

  /** Text known to be ASCII (punctuation, numbers, hex, base64). */
  ascii(text: string): void {
    const buf = this.ensure(text.length);
    for (let i = 0; i < text.length; i++) buf[this.pos++] = text.charCodeAt(i);
  }

  /** Any text, as UTF-8 (a JSON.stringify result, a cached resource). */
  text(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /**
   * A protobuf string field's bytes as a quoted JSON string. False (nothing usable written) when the
   * bytes are not valid UTF-8: decoding would have replaced them, so the caller takes the decoded path.
   */
  quoted(source: Uint8Array, start: number, end: number): boolean {
    const buf = this.ensure((end - start) * 6 + 2);
    let at = this.pos;
    buf[at++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0x80) {
        buf[at++] = c;
      } else if (c < 0x80) {
        const escape = ESCAPES[c];
        if (escape !== undefined) {
          buf[at++] = 0x5c;
          buf[at++] = escape;
        } else {
          // \u00XX, lower-case hex, as JSON.stringify writes other control characters
          buf[at++] = 0x5c;
          buf[at++] = 0x75;
          buf[at++] = 0x30;
          buf[at++] = 0x30;
          buf[at++] = HEX[c >> 4]!;
          buf[at++] = HEX[c & 15]!;
        }
      } else {
        const length = utf8SequenceLength(source, i, end);
        if (length === 0) return false;
        for (let k = 0; k < length; k++) buf[at++] = source[i + k]!;
        i += length - 1;
      }
    }
    buf[at++] = 0x22;
    this.pos = at;
    return true;
  }
}

const ESCAPES: (number | undefined)[] = [];
ESCAPES[0x08] = 0x62; // \b
ESCAPES[0x09] = 0x74; // \t
ESCAPES[0x0a] = 0x6e; // \n
ESCAPES[0x0c] = 0x66; // \f
ESCAPES[0x0d] = 0x72; // \r
ESCAPES[0x22] = 0x22; // \"
ESCAPES[0x5c] = 0x5c; // \\
const HEX = Buffer.from('0123456789abcdef');

/** The length of the well-formed UTF-8 sequence at `i` (2-4), or 0 when it is not one (overlong, surrogate, beyond U+10FFFF, cut). */
function utf8SequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  const cont = (k: number, low = 0x80, high = 0xbf) => i + k < end && b[i + k]! >= low && b[i + k]! <= high;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * Writes the OTLP/JSON of one `LogRecord` straight from its OTLP bytes (one `ScopeLogs.log_records`
 * field, as a record view holds it) — no record object, no value objects, no strings: the same text
 * `encodeOtlpJson` writes for the decoded record (field order, int64 as decimal strings, ids as hex,
 * bytes as base64, whole doubles as plain numbers, non-finite ones as names). False, with `out`
 * where it was, when the bytes hold what the decoded record would differ by (a repeated key or an
 * array-index key that an object reorders or merges, a field twice, text that is not UTF-8): the
 * caller then writes the decoded record, so the text is the same either way.
 */
export function writeOtlpJsonOfRecordBytes(bytes: Uint8Array, out: JsonBytes): boolean {
  const mark = out.pos;
  if (recordJson(bytes, out)) return true;
  out.pos = mark;
  return false;
}

/**
 * Where the fields of one `LogRecord` lie in its bytes (one `ScopeLogs.log_records` field), scalars
 * read and values only located: what a transcoder writes a record's text from, in its own field order.
 * Positions are those of a field's length prefix; -1 when the field is absent. Undefined when the
 * bytes hold a field in a form the decoder reads differently (another wire type, the body twice).
 */
export interface LogRecordLayout {
  reader: Reader;
  /** fixed64 halves of time_unix_nano and observed_time_unix_nano (0 when absent, as decoded). */
  time: [high: number, low: number];
  observed: [high: number, low: number];
  severity: number | undefined;
  severityText: number;
  body: number;
  eventName: number;
  attributes: number[];
  dropped: number;
  flags: number;
  traceId: string;
  spanId: string;
}

export function scanLogRecord(bytes: Uint8Array): LogRecordLayout | undefined {
  const reader = protobuf.Reader.create(bytes);
  reader.uint32(); // the field's tag
  const end = reader.uint32() + reader.pos;
  const layout: LogRecordLayout = { reader, time: [0, 0], observed: [0, 0], severity: undefined, severityText: -1, body: -1, eventName: -1, attributes: [], dropped: 0, flags: 0, traceId: '', spanId: '' };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const at = reader.pos;
    switch (tag) {
      case (1 << 3) | 1:
        layout.time = fixed64Halves(reader);
        break;
      case 2 << 3:
        layout.severity = reader.int32();
        break;
      case (3 << 3) | 2:
        layout.severityText = at;
        reader.skipType(2);
        break;
      case (5 << 3) | 2:
        if (layout.body >= 0) return undefined;
        layout.body = at;
        reader.skipType(2);
        break;
      case (6 << 3) | 2:
        layout.attributes.push(at);
        reader.skipType(2);
        break;
      case 7 << 3:
        layout.dropped = reader.uint32();
        break;
      case (8 << 3) | 5:
        layout.flags = reader.fixed32();
        break;
      case (9 << 3) | 2:
        layout.traceId = hex(reader);
        break;
      case (10 << 3) | 2:
        layout.spanId = hex(reader);
        break;
      case (11 << 3) | 1:
        layout.observed = fixed64Halves(reader);
        break;
      case (12 << 3) | 2:
        layout.eventName = at;
        reader.skipType(2);
        break;
      default:
        if (tag >>> 3 <= 12) return undefined;
        reader.skipType(tag & 7);
    }
  }
  return layout;
}

function recordJson(bytes: Uint8Array, out: JsonBytes): boolean {
  const record = scanLogRecord(bytes);
  if (record === undefined) return false;
  const { reader } = record;
  out.ascii(`{"timeUnixNano":"${fixed64Decimal(record.time)}","observedTimeUnixNano":"${fixed64Decimal(record.observed)}"`);
  if (record.severity) out.ascii(`,"severityNumber":${record.severity}`);
  if (record.severityText >= 0 && !optionalString(reader, record.severityText, ',"severityText":', out)) return false;
  if (record.body >= 0) {
    out.ascii(',"body":');
    reader.pos = record.body;
    if (!anyValue(reader, reader.uint32() + reader.pos, out)) return false;
  }
  if (record.eventName >= 0 && !optionalString(reader, record.eventName, ',"eventName":', out)) return false;
  out.ascii(',"attributes":[');
  if (!keyValues(reader, record.attributes, out)) return false;
  out.ascii(']');
  if (record.dropped) out.ascii(`,"droppedAttributesCount":${record.dropped}`);
  if (record.traceId && record.spanId) {
    if (record.flags) out.ascii(`,"flags":${record.flags}`);
    out.ascii(`,"traceId":"${record.traceId}","spanId":"${record.spanId}"`);
  }
  out.ascii('}');
  return true;
}

/** A string field (at its length prefix) written under `name` when it is not empty (the decoded record leaves an empty one out). */
function optionalString(reader: Reader, at: number, name: string, out: JsonBytes): boolean {
  reader.pos = at;
  const length = reader.uint32();
  if (length === 0) return true;
  out.ascii(name);
  return out.quoted(reader.buf, reader.pos, reader.pos + length);
}

/** KeyValues (each at its length prefix) as `{"key":…,"value":{…}}` items. */
function keyValues(reader: Reader, positions: readonly number[], out: JsonBytes): boolean {
  return eachKeyValue(reader, positions, (keyStart, keyEnd, value, n) => {
    out.ascii(n === 0 ? '{"key":' : ',{"key":');
    if (!out.quoted(reader.buf, keyStart, keyEnd)) return false;
    out.ascii(',"value":');
    if (value < 0) out.ascii('{}');
    else {
      reader.pos = value;
      if (!anyValue(reader, reader.uint32() + reader.pos, out)) return false;
    }
    out.ascii('}');
    return true;
  });
}

/**
 * Walks KeyValues (each at its length prefix) in order, handing `entry` each key's byte range and its
 * value's position (at its length prefix; -1: none). False, stopping, where the decoded object would
 * differ — a key seen twice (merged), an array-index key (reordered), a value given twice — or when
 * `entry` answers false.
 */
export function eachKeyValue(reader: Reader, positions: readonly number[], entry: (keyStart: number, keyEnd: number, value: number, n: number) => boolean): boolean {
  const buf = reader.buf;
  const keys: number[] = [];
  for (let n = 0; n < positions.length; n++) {
    reader.pos = positions[n]!;
    const end = reader.uint32() + reader.pos;
    let keyStart = 0;
    let keyEnd = 0;
    let value = -1;
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === ((1 << 3) | 2)) {
        keyEnd = reader.uint32() + reader.pos;
        keyStart = reader.pos;
        reader.pos = keyEnd;
      } else if (tag === ((2 << 3) | 2)) {
        if (value >= 0) return false;
        value = reader.pos;
        reader.skipType(2);
      } else reader.skipType(tag & 7);
    }
    if (isArrayIndex(buf, keyStart, keyEnd)) return false;
    for (let k = 0; k < keys.length; k += 2) if (sameBytes(buf, keys[k]!, keys[k + 1]!, keyStart, keyEnd)) return false;
    keys.push(keyStart, keyEnd);
    if (!entry(keyStart, keyEnd, value, n)) return false;
  }
  return true;
}

/** An AnyValue per the OTLP/JSON mapping. Two value fields (the decoder keeps the last) go to the decoded path. */
function anyValue(reader: Reader, end: number, out: JsonBytes): boolean {
  let written = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 <= 7 && written) return false;
    switch (tag) {
      case (1 << 3) | 2: {
        const length = reader.uint32();
        out.ascii('{"stringValue":');
        if (!out.quoted(reader.buf, reader.pos, reader.pos + length)) return false;
        reader.pos += length;
        out.ascii('}');
        break;
      }
      case 2 << 3:
        out.ascii(reader.bool() ? '{"boolValue":true}' : '{"boolValue":false}');
        break;
      case 3 << 3:
        out.ascii(`{"intValue":"${int64Decimal(reader)}"}`);
        break;
      case (4 << 3) | 1: {
        const value = reader.double();
        out.ascii(`{"doubleValue":${Number.isFinite(value) ? String(value) : Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"'}}`);
        break;
      }
      case (5 << 3) | 2: {
        const arrayEnd = reader.uint32() + reader.pos;
        out.ascii('{"arrayValue":{"values":[');
        let first = true;
        while (reader.pos < arrayEnd) {
          const inner = reader.uint32();
          if (inner !== ((1 << 3) | 2)) {
            reader.skipType(inner & 7);
            continue;
          }
          if (!first) out.ascii(',');
          first = false;
          if (!anyValue(reader, reader.uint32() + reader.pos, out)) return false;
        }
        out.ascii(']}}');
        break;
      }
      case (6 << 3) | 2: {
        const mapEnd = reader.uint32() + reader.pos;
        const entries: number[] = [];
        while (reader.pos < mapEnd) {
          const inner = reader.uint32();
          if (inner === ((1 << 3) | 2)) entries.push(reader.pos);
          reader.skipType(inner & 7);
        }
        out.ascii('{"kvlistValue":{"values":[');
        if (!keyValues(reader, entries, out)) return false;
        reader.pos = mapEnd;
        out.ascii(']}}');
        break;
      }
      case (7 << 3) | 2:
        out.ascii(`{"bytesValue":"${Buffer.from(reader.bytes()).toString('base64')}"}`);
        break;
      default:
        if (tag >>> 3 <= 7) return false;
        reader.skipType(tag & 7);
        continue;
    }
    written = true;
  }
  if (!written) out.ascii('{}');
  return true;
}

/** Keys an object orders before the others: integer-like property names (up to 2^32 - 2; longer ones counted in, to be safe). */
function isArrayIndex(buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > 10) return false;
  if (buf[start] === 0x30) return length === 1;
  for (let i = start; i < end; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return false;
  return true;
}

function sameBytes(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}

/** An int64 varint as its exact decimal text. */
function int64Decimal(reader: Reader): string {
  return String(readInt64(reader));
}

/** An int64 varint as the decoder reads it: a number when it is a safe integer, else a bigint. */
export function readInt64(reader: Reader): number | bigint {
  const long = reader.int64() as unknown as { low: number; high: number };
  if (long.high === 0) return long.low >>> 0;
  if (long.high === -1 && (long.low | 0) < 0) return long.low | 0;
  const big = BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function fixed64Halves(reader: Reader): [number, number] {
  const long = reader.fixed64() as unknown as { low: number; high: number };
  return [long.high >>> 0, long.low >>> 0];
}

/** A fixed64 (nanoseconds since the epoch) as its exact decimal text. */
export function fixed64Decimal([high, low]: readonly [number, number]): string {
  if (high < 0x200000) return String(high * 4294967296 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** A fixed64 of nanoseconds as the HrTime the decoder gives. */
export function fixed64HrTime([high, low]: readonly [number, number]): [number, number] {
  if (high < 0x200000) {
    const nanos = high * 4294967296 + low;
    // The division may round up just below a whole second; the remainder tells, and is exact.
    const seconds = Math.floor(nanos / 1e9);
    const rest = nanos - seconds * 1e9;
    return rest < 0 ? [seconds - 1, rest + 1e9] : [seconds, rest];
  }
  const nanos = (BigInt(high) << 32n) | BigInt(low);
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

function hex(reader: Reader): string {
  const length = reader.uint32();
  const start = reader.pos;
  reader.pos += length;
  const buf = reader.buf;
  return Buffer.from(buf.buffer, buf.byteOffset + start, length).toString('hex');
}
