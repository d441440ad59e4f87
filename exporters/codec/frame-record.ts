import type { HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import protobuf from 'protobufjs/minimal.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { keptEncodingOf, RECORD_BYTES, type RecordBytes, type ValueScan } from '../../src/core/record-encoding.js';
import { writeLogRecord } from './encode-protobuf.js';
import { ProtoWriter } from './proto-writer.js';
import { decodeLogRecordField, type LogRecordScalars, readAnyValue, readKey, readLogRecordFields } from './decode-protobuf.js';

type Reader = protobuf.Reader;

/** Deeper values are reported as a hit: the redactor treats such a value whole, so the full path decides. */
const MAX_SCAN_DEPTH = 64;

/**
 * A record read from its OTLP bytes that stays bytes until a stage needs its values (see
 * `RecordBytes` in src/core/record-encoding.ts for the rule that keeps the bytes honest). Reading a
 * scalar field decodes the scalar fields only; reading `body` or `attributes`, or setting anything,
 * decodes the whole record and lets the bytes go. A stage that reads through `RECORD_BYTES`
 * (redaction's scan, `attributeOf`) leaves them in place, so a record no stage changes goes to the
 * wire as the bytes it arrived as.
 */
export class FrameRecord implements LogkitRecord, RecordBytes {
  private kept: Uint8Array | undefined;
  private head: LogRecordScalars | undefined;
  private decoded: LogkitRecord | undefined;

  constructor(
    bytes: Uint8Array,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.kept = bytes;
  }

  get [RECORD_BYTES](): RecordBytes | undefined {
    return this.kept === undefined ? undefined : this;
  }

  get bytes(): Uint8Array {
    if (this.kept === undefined) throw new Error('the record was changed: its bytes are gone');
    return this.kept;
  }

  attribute(key: string): LogValue {
    if (this.decoded !== undefined) return this.decoded.attributes[key];
    // Keys are compared as bytes: no string is made for the keys passed over.
    const wanted = keyBytes(key);
    const reader = this.message();
    const buf = reader.buf;
    let found: LogValue;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag !== ((6 << 3) | 2)) {
        reader.skipType(tag & 7);
        continue;
      }
      const end = reader.uint32() + reader.pos;
      let match = false;
      while (reader.pos < end) {
        const inner = reader.uint32();
        if (inner === ((1 << 3) | 2)) {
          const length = reader.uint32();
          match = length === wanted.length && sameBytes(buf, reader.pos, wanted);
          reader.pos += length;
        } else if (inner === ((2 << 3) | 2) && match) found = readAnyValue(reader, reader.uint32() + reader.pos);
        else reader.skipType(inner & 7);
      }
    }
    return found;
  }

  scan(scan: ValueScan): boolean {
    const reader = this.message();
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ((5 << 3) | 2)) {
        if (scanAnyValue(reader, reader.uint32() + reader.pos, scan, 0, false)) return true;
      } else if (tag === ((6 << 3) | 2)) {
        if (scanKeyValue(reader, reader.uint32() + reader.pos, scan, 0)) return true;
      } else reader.skipType(tag & 7);
    }
    return false;
  }

  get body(): LogValue {
    return this.whole().body;
  }
  set body(value: LogValue) {
    this.whole().body = value;
  }
  get attributes(): LogMap {
    return this.whole().attributes;
  }
  set attributes(value: LogMap) {
    this.whole().attributes = value;
  }
  get hrTime(): HrTime {
    return (this.decoded ?? this.fields()).hrTime;
  }
  set hrTime(value: HrTime) {
    this.whole().hrTime = value;
  }
  get hrTimeObserved(): HrTime {
    return (this.decoded ?? this.fields()).hrTimeObserved;
  }
  set hrTimeObserved(value: HrTime) {
    this.whole().hrTimeObserved = value;
  }
  get spanContext(): SpanContext | undefined {
    return (this.decoded ?? this.fields()).spanContext;
  }
  set spanContext(value: SpanContext | undefined) {
    this.whole().spanContext = value;
  }
  get severityNumber(): SeverityNumber | undefined {
    if (this.decoded !== undefined) return this.decoded.severityNumber;
    if (this.head !== undefined) return this.head.severityNumber;
    // Every queue asks each record its severity (its band): read that one field, build nothing.
    const severity = severityIn(this.kept!);
    return severity === UNREADABLE ? this.fields().severityNumber : severity;
  }
  set severityNumber(value: SeverityNumber | undefined) {
    this.whole().severityNumber = value;
  }
  get severityText(): string | undefined {
    return (this.decoded ?? this.fields()).severityText;
  }
  set severityText(value: string | undefined) {
    this.whole().severityText = value;
  }
  get eventName(): string | undefined {
    return (this.decoded ?? this.fields()).eventName;
  }
  set eventName(value: string | undefined) {
    this.whole().eventName = value;
  }
  get droppedAttributesCount(): number {
    return (this.decoded ?? this.fields()).droppedAttributesCount;
  }
  set droppedAttributesCount(value: number) {
    this.whole().droppedAttributesCount = value;
  }

  /** The whole record as objects, from here on the only truth: the bytes are let go. */
  private whole(): LogkitRecord {
    if (this.decoded === undefined) {
      this.decoded = decodeLogRecordField(this.kept!, this.resource, this.instrumentationScope);
      // The scalar fields read earlier are frozen copies; the decoded ones are the record's own.
      this.head = undefined;
    }
    this.kept = undefined;
    return this.decoded;
  }

  /** The scalar fields, frozen: a caller cannot change the record through them. */
  private fields(): LogRecordScalars {
    if (this.head !== undefined) return this.head;
    const head: LogRecordScalars = { hrTime: [0, 0], hrTimeObserved: [0, 0], droppedAttributesCount: 0 };
    const reader = this.message();
    readLogRecordFields(reader, reader.len, head);
    Object.freeze(head.hrTime);
    Object.freeze(head.hrTimeObserved);
    if (head.spanContext) Object.freeze(head.spanContext);
    return (this.head = head);
  }

  /** A reader over the `LogRecord` message (past the field's tag and length). */
  private message(): Reader {
    const reader = protobuf.Reader.create(this.kept!);
    reader.uint32();
    const length = reader.uint32();
    reader.len = reader.pos + length;
    return reader;
  }
}

const holding = new ProtoWriter(4 * 1024);

/**
 * A record in the form a stage holds it (StageContext.holdingForm, deferral): its OTLP bytes in a
 * buffer of its own — a few hundred bytes instead of the record's objects — read through a
 * FrameRecord, so the queues copy those bytes when it is released instead of encoding it again.
 */
export function encodedForHolding(record: LogkitRecord): LogkitRecord {
  if (keptEncodingOf(record) !== undefined) return record;
  holding.reset();
  writeLogRecord(holding, record);
  return new FrameRecord(new Uint8Array(holding.view()), record.resource, record.instrumentationScope);
}

const UNREADABLE = -1;

/**
 * `severity_number` read straight from a `ScopeLogs.log_records` field's bytes, or undefined when the
 * record has none; UNREADABLE for a form this shortcut does not walk (the full read then answers).
 */
function severityIn(bytes: Uint8Array): SeverityNumber | undefined | typeof UNREADABLE {
  let pos = 1; // the field's tag: one byte (field 2, length-delimited)
  let end = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[pos++]!;
    end += (b & 127) * 2 ** shift;
    if (b < 128) break;
  }
  end += pos;
  while (pos < end) {
    const tag = bytes[pos++]!;
    if (tag >= 128) return UNREADABLE; // a field number above 15: not one the writers put first
    switch (tag & 7) {
      case 0: {
        let value = 0;
        for (let shift = 0; ; shift += 7) {
          if (shift > 28) return UNREADABLE;
          const b = bytes[pos++]!;
          value += (b & 127) * 2 ** shift;
          if (b < 128) break;
        }
        if (tag >>> 3 === 2) return value as SeverityNumber;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      default:
        // A length-delimited field (body, attributes, text) before the severity: the full read.
        return UNREADABLE;
    }
  }
  return undefined;
}

function scanKeyValue(reader: Reader, end: number, scan: ValueScan, depth: number): boolean {
  let verdict: 'scan' | 'skip' | 'hit' = 'scan';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) {
      verdict = scan.key(readKey(reader), depth);
      if (verdict === 'hit') return true;
    } else if (tag >>> 3 === 2 && verdict === 'scan') {
      if (scanAnyValue(reader, reader.uint32() + reader.pos, scan, depth + 1, true)) return true;
    } else reader.skipType(tag & 7);
  }
  return false;
}

function scanAnyValue(reader: Reader, end: number, scan: ValueScan, depth: number, inMap: boolean): boolean {
  if (depth > MAX_SCAN_DEPTH) return true;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        if (scan.string(reader.string(), inMap)) return true;
        break;
      case 3: {
        const long = reader.int64() as unknown as { low: number; high: number };
        const value = long.high === 0 ? long.low >>> 0 : BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
        if (scan.integer(value)) return true;
        break;
      }
      case 5: {
        const arrayEnd = reader.uint32() + reader.pos;
        while (reader.pos < arrayEnd) {
          const inner = reader.uint32();
          if (inner >>> 3 === 1) {
            if (scanAnyValue(reader, reader.uint32() + reader.pos, scan, depth + 1, false)) return true;
          } else reader.skipType(inner & 7);
        }
        break;
      }
      case 6: {
        const mapEnd = reader.uint32() + reader.pos;
        while (reader.pos < mapEnd) {
          const inner = reader.uint32();
          if (inner >>> 3 === 1) {
            if (scanKeyValue(reader, reader.uint32() + reader.pos, scan, depth + 1)) return true;
          } else reader.skipType(inner & 7);
        }
        break;
      }
      default:
        reader.skipType(tag & 7);
    }
  }
  return false;
}

/** The UTF-8 bytes of the few keys read in place (`log.type`, the correlation id, route keys). */
const keyBytesCache = new Map<string, Uint8Array>();

function keyBytes(key: string): Uint8Array {
  let bytes = keyBytesCache.get(key);
  if (bytes === undefined) {
    bytes = Buffer.from(key, 'utf8');
    if (keyBytesCache.size < 256) keyBytesCache.set(key, bytes);
  }
  return bytes;
}

function sameBytes(buf: Uint8Array, at: number, wanted: Uint8Array): boolean {
  for (let i = 0; i < wanted.length; i++) if (buf[at + i] !== wanted[i]) return false;
  return true;
}
