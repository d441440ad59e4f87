import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import protobuf from 'protobufjs/minimal.js';
import type { LogkitRecord, LogValue } from '../../src/core/record.js';
import { RECORD_BYTES } from '../../src/core/record-encoding.js';
import { OtlpProtobufDecoder, readEnvelope } from './decode-protobuf.js';
import { FrameRecord } from './frame-record.js';

type Reader = protobuf.Reader;

/** What one record may hold (the collector's request limits). */
export interface FrameLimits {
  /** Longest string, bytes value or key, in bytes. */
  maxValueBytes: number;
  /** Deepest nesting of arrays and maps; a top-level body or attribute value is at depth 1. */
  maxDepth: number;
}

/** The limits, and the attribute keys a stage looks up on every record (at most 31; see {@link RequestFrame.mayHave}). */
export interface FrameOptions extends FrameLimits {
  watchedKeys?: readonly string[];
}

/**
 * A record of a request, still its bytes, that also knows which of the reader's watched attribute
 * keys it carries: looking up such a key (`attributeOf`) skips the walk over the attributes when the
 * answer is known to be "absent" (most records carry none of them).
 */
export class RequestFrame extends FrameRecord {
  constructor(
    bytes: Uint8Array,
    resource: Resource,
    scope: InstrumentationScope,
    private readonly watchedKeys: readonly string[],
    private readonly present: number,
  ) {
    super(bytes, resource, scope);
  }

  /** False only when the record is still its bytes and carries no top-level attribute `key`, a key the reader watches. */
  mayHave(key: string): boolean {
    if (this[RECORD_BYTES] === undefined) return true;
    const i = this.watchedKeys.indexOf(key);
    return i < 0 || (this.present & (1 << i)) !== 0;
  }

  /** As FrameRecord's, without the walk when the key is known to be absent (what `attributeOf` reads). */
  override attribute(key: string): LogValue {
    return this.mayHave(key) ? super.attribute(key) : undefined;
  }
}

/** The records of one request, each still its bytes, and how many broke a per-record limit (with why). */
export interface RequestFrames {
  records: LogkitRecord[];
  refused: number;
  refusedWhy?: string;
}

/** Why a request cannot be read: `malformed` (not OTLP protobuf) or `too_deep`; `where` names the record. */
export class RequestFrameError extends Error {
  constructor(
    readonly reason: 'malformed' | 'too_deep',
    message: string,
  ) {
    super(message);
    this.name = 'RequestFrameError';
  }
}

/** Resources and scopes interned this many requests, then forgotten (a sender cannot grow the map without bound). */
const INTERN_REQUESTS = 256;

/**
 * Splits an OTLP protobuf `ExportLogsServiceRequest` into records that stay bytes (`FrameRecord`):
 * each `ScopeLogs.log_records` field is a view into the request, tag and length included, which is
 * the form every queue copies — a record no stage changes leaves as the bytes it came in as. Only
 * the resource and scope of each group are decoded (and interned by their bytes, so records of one
 * sender share one resource object and group together in a batch).
 *
 * No value is decoded to check it: a byte-level walk validates each record's structure (a record
 * that would fail later, when a stage decodes it, is refused here), measures strings, bytes and keys
 * against `maxValueBytes` (that record alone is refused) and nesting against `maxDepth` (the whole
 * request is refused).
 *
 * @example
 * const frames = new RequestFrameReader({ maxValueBytes: 65536, maxDepth: 32 }).read(body);
 */
export class RequestFrameReader {
  private decoder = new OtlpProtobufDecoder();
  private requests = 0;
  private readonly watchedKeys: readonly string[];
  private readonly watchedBytes: readonly Uint8Array[];
  /** The watched keys seen in the record being walked, one bit each. */
  private present = 0;

  constructor(private readonly limits: FrameOptions) {
    this.watchedKeys = (limits.watchedKeys ?? []).slice(0, 31);
    this.watchedBytes = this.watchedKeys.map((key) => Buffer.from(key, 'utf8'));
  }

  /** The request's records; throws a {@link RequestFrameError} naming where the request broke. */
  read(body: Uint8Array): RequestFrames {
    if (++this.requests % INTERN_REQUESTS === 0) this.decoder = new OtlpProtobufDecoder();
    const out: RequestFrames = { records: [], refused: 0 };
    const reader = protobuf.Reader.create(body);
    const at = { resource: -1, scope: -1, record: -1 };
    try {
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        if (tag >>> 3 !== 1) {
          reader.skipType(tag & 7);
          continue;
        }
        if ((tag & 7) !== 2) throw new RangeError(`resource_logs has wire type ${tag & 7}`);
        at.resource++;
        at.scope = -1;
        at.record = -1;
        const end = boundedEnd(reader, reader.len);
        this.resourceLogs(body, reader, end, at, out);
        reader.pos = end;
      }
    } catch (error) {
      if (error instanceof RequestFrameError) throw error;
      throw new RequestFrameError('malformed', `${where(at)}${(error as Error).message}`);
    }
    return out;
  }

  private resourceLogs(body: Uint8Array, reader: Reader, end: number, at: Position, out: RequestFrames): void {
    const envelope = readEnvelope(reader, end);
    const resource = this.decoder.resource(envelope.head, envelope.schemaUrl);
    for (const scopeLogs of envelope.children) {
      at.scope++;
      at.record = -1;
      reader.pos = scopeLogs.start;
      const inner = readEnvelope(reader, scopeLogs.end);
      const scope = this.decoder.scope(inner.head, inner.schemaUrl);
      for (const log of inner.children) {
        at.record++;
        reader.pos = log.start;
        this.present = 0;
        const problem = this.checkLogRecord(reader, log.end, at);
        if (problem === undefined) out.records.push(new RequestFrame(body.subarray(log.field, log.end), resource, scope, this.watchedKeys, this.present));
        else {
          out.refused++;
          out.refusedWhy ??= problem;
        }
      }
    }
  }

  /** Walks one `LogRecord` message: its structure, then the limits; the first limit it breaks, or undefined. */
  private checkLogRecord(reader: Reader, end: number, at: Position): string | undefined {
    let problem: string | undefined;
    while (reader.pos < end) {
      const tag = tagOf(reader, LOG_RECORD_WIRE, 'LogRecord');
      let found: string | undefined;
      if (tag >>> 3 === 5) found = this.checkAnyValue(reader, boundedEnd(reader, end), 1, at);
      else if (tag >>> 3 === 6) found = this.checkKeyValue(reader, boundedEnd(reader, end), 1, 'an attribute key', at);
      else reader.skipType(tag & 7);
      problem ??= found;
    }
    ended(reader, end);
    return problem;
  }

  private checkKeyValue(reader: Reader, end: number, depth: number, what: string, at: Position): string | undefined {
    let problem: string | undefined;
    while (reader.pos < end) {
      const tag = tagOf(reader, KEY_VALUE_WIRE, 'KeyValue');
      let found: string | undefined;
      if (tag >>> 3 === 1) {
        if (depth === 1 && this.watchedBytes.length > 0) this.watch(reader);
        found = this.sized(reader, end, what);
      }
      else if (tag >>> 3 === 2) found = this.checkAnyValue(reader, boundedEnd(reader, end), depth, at);
      else reader.skipType(tag & 7);
      problem ??= found;
    }
    ended(reader, end);
    return problem;
  }

  private checkAnyValue(reader: Reader, end: number, depth: number, at: Position): string | undefined {
    let problem: string | undefined;
    while (reader.pos < end) {
      const tag = tagOf(reader, ANY_VALUE_WIRE, 'AnyValue');
      const field = tag >>> 3;
      switch (field) {
        case 1:
        case 7: {
          // Measured even once a problem is known: the walk must pass over the bytes.
          const found = this.sized(reader, end, field === 1 ? 'a value' : 'a bytes value');
          problem ??= found;
          break;
        }
        case 5:
        case 6: {
          if (depth > this.limits.maxDepth) throw new RequestFrameError('too_deep', `${where(at)}a value is nested deeper than ${this.limits.maxDepth} levels`);
          const listEnd = boundedEnd(reader, end);
          while (reader.pos < listEnd) {
            const inner = reader.uint32();
            if (inner >>> 3 !== 1) {
              reader.skipType(inner & 7);
              continue;
            }
            if ((inner & 7) !== 2) throw new RangeError(`${field === 5 ? 'ArrayValue' : 'KeyValueList'} field 1 has wire type ${inner & 7}, expected 2`);
            const itemEnd = boundedEnd(reader, listEnd);
            const item = field === 5 ? this.checkAnyValue(reader, itemEnd, depth + 1, at) : this.checkKeyValue(reader, itemEnd, depth + 1, 'a map key', at);
            problem ??= item;
            reader.pos = itemEnd;
          }
          break;
        }
        default:
          reader.skipType(tag & 7);
      }
    }
    ended(reader, end);
    return problem;
  }

  /** Notes a top-level attribute key that is one of the watched keys (the reader stays at the key's length). */
  private watch(reader: Reader): void {
    const start = reader.pos;
    const length = reader.uint32();
    const at = reader.pos;
    reader.pos = start;
    const buf = reader.buf;
    for (let i = 0; i < this.watchedBytes.length; i++) {
      const key = this.watchedBytes[i]!;
      if (key.length !== length || at + length > reader.len) continue;
      let same = true;
      for (let j = 0; j < length && same; j++) same = buf[at + j] === key[j];
      if (same) this.present |= 1 << i;
    }
  }

  /** Passes over a string, bytes value or key; why it is too long, or undefined. */
  private sized(reader: Reader, end: number, what: string): string | undefined {
    const length = reader.uint32();
    skipBytes(reader, length, end);
    return length > this.limits.maxValueBytes ? `${what} longer than ${this.limits.maxValueBytes} bytes` : undefined;
  }
}

interface Position {
  resource: number;
  scope: number;
  record: number;
}

/** Wire types of the `LogRecord` fields (logs.proto); others are skipped. */
const LOG_RECORD_WIRE: Readonly<Record<number, number>> = { 1: 1, 2: 0, 3: 2, 5: 2, 6: 2, 7: 0, 8: 5, 9: 2, 10: 2, 11: 1, 12: 2 };
/** Wire types of the `KeyValue` fields (common.proto). */
const KEY_VALUE_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 2 };
/** Wire types of the `AnyValue` fields (common.proto). */
const ANY_VALUE_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 0, 4: 1, 5: 2, 6: 2, 7: 2 };

/** Reads a field's tag, refusing a known field of the wrong wire type. */
function tagOf(reader: Reader, wires: Readonly<Record<number, number>>, message: string): number {
  const tag = reader.uint32();
  const expected = wires[tag >>> 3];
  if (expected !== undefined && (tag & 7) !== expected) throw new RangeError(`${message} field ${tag >>> 3} has wire type ${tag & 7}, expected ${expected}`);
  return tag;
}

/** Reads a length and answers where that field ends, refusing one that runs past its message. */
function boundedEnd(reader: Reader, limit: number): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > limit) throw new RangeError(`a field of ${length} bytes runs past the end of its message`);
  return end;
}

/** A field skipped by its wire type may run past its message's end: that is malformed too. */
function ended(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new RangeError(`a field runs ${reader.pos - end} bytes past the end of its message`);
}

function skipBytes(reader: Reader, length: number, limit: number): void {
  if (reader.pos + length > limit) throw new RangeError(`a field of ${length} bytes runs past the end of its message`);
  reader.pos += length;
}

function where(at: Position): string {
  if (at.resource < 0) return 'the request: ';
  let text = `resource_logs[${at.resource}]`;
  if (at.scope >= 0) text += `.scope_logs[${at.scope}]`;
  if (at.record >= 0) text += `.log_records[${at.record}]`;
  return `${text}: `;
}
