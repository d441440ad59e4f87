import type { LogkitRecord, LogValue } from './record.js';

/**
 * A record that still holds its OTLP `LogRecord` bytes (the delivery worker reads records as bytes
 * from the application's thread): every queue copies these bytes instead of encoding the record
 * again, and a stage that only reads a record reads them through this view.
 *
 * Correct by construction: the bytes are there only while nothing could have changed the record.
 * Reading `body` or `attributes` of such a record (the only way to reach a mutable part), or setting
 * any field, decodes it and drops the bytes for good; the record is encoded again from its fields.
 * A stage that changes a record therefore cannot send its old bytes, whether it remembers or not.
 */
export interface RecordBytes {
  /** One `ScopeLogs.log_records` field: tag, length and the `LogRecord` message. */
  readonly bytes: Uint8Array;
  /** An attribute's value, decoded alone; the bytes stay valid. */
  attribute(key: string): LogValue;
  /**
   * Walks the body and the attributes without building them, decoding only keys and strings, until
   * `scan` answers that it found something. True when it did.
   */
  scan(scan: ValueScan): boolean;
}

/** What a read-only walk over a record's values asks of its caller (see {@link RecordBytes.scan}). */
export interface ValueScan {
  /** A map key (attributes and nested maps): `scan` its value, `skip` it, or `hit` (stop: found). */
  key(key: string, depth: number): 'scan' | 'skip' | 'hit';
  /** A string value; `inMap`: it is a map entry's value (attribute-like), not a body or array item. True: found. */
  string(value: string, inMap: boolean): boolean;
  /** An integer value. True: found. */
  integer(value: number | bigint): boolean;
}

/** The property under which a record offers its bytes; absent or undefined once it has none. */
export const RECORD_BYTES: unique symbol = Symbol.for('otel-logkit.record-bytes');

interface MaybeEncoded {
  readonly [RECORD_BYTES]?: RecordBytes | undefined;
}

/** The record's bytes view while its bytes still describe it. */
export function recordBytesOf(record: LogkitRecord): RecordBytes | undefined {
  return (record as MaybeEncoded)[RECORD_BYTES];
}

/** The record's OTLP bytes, when they still describe it (see {@link RecordBytes}). */
export function keptEncodingOf(record: LogkitRecord): Uint8Array | undefined {
  return (record as MaybeEncoded)[RECORD_BYTES]?.bytes;
}

/** Reads one attribute without taking the record's mutable map (its kept bytes stay valid). */
export function attributeOf(record: LogkitRecord, key: string): LogValue {
  const view = (record as MaybeEncoded)[RECORD_BYTES];
  return view === undefined ? record.attributes[key] : view.attribute(key);
}
