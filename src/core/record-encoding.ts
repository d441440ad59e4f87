import type { LogkitRecord } from './record.js';

/**
 * A record's OTLP `LogRecord` bytes, when it arrived already encoded (the delivery worker reads
 * records as bytes from the application's thread): every queue then copies these bytes instead of
 * encoding the record again. Held weakly, so the bytes go with the record.
 *
 * The rule that keeps this safe: a stage that changes a record after the hand-over calls
 * {@link forgetEncoding} (redaction does, whenever it replaces a value); otherwise the unchanged bytes
 * would be sent. Stages that change every record (audit, archiving) never run after the hand-over.
 */
const encodings = new WeakMap<LogkitRecord, Uint8Array>();

/** `bytes` must be exactly what the OTLP encoder writes for `record` (one `ScopeLogs.log_records` field). */
export function keepEncoding(record: LogkitRecord, bytes: Uint8Array): void {
  encodings.set(record, bytes);
}

export function keptEncodingOf(record: LogkitRecord): Uint8Array | undefined {
  return encodings.get(record);
}

/** The record was changed: its kept bytes no longer describe it. */
export function forgetEncoding(record: LogkitRecord): void {
  encodings.delete(record);
}
