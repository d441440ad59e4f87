import { OtlpDouble } from '../../../src/core/otlp-values.js';
import type { LogkitRecord, LogValue } from '../../../src/core/record.js';
import { keptEncodingOf } from '../../../src/core/record-encoding.js';

/*
 * Heap cost per part, measured on Node 24 with test/bench/sampling-memory.bench.ts (the figures are
 * deliberately a little high: the caps are promises about memory, so the guess must not undershoot).
 * A record copy is a plain object plus a plain attribute map; a held entry
 * adds the queue slot and its bookkeeping.
 */
const RECORD_BASE = 280;
const MAP_ENTRY = 32;
const STRING_HEADER = 16;
const ARRAY_SLOT = 16;
const NUMBER = 16;
/** A record held as its bytes: the record object, the byte array and its backing store, beside the bytes themselves. */
const ENCODED_BASE = 240;

/** The bookkeeping of one execution that holds records: its entry, queue and slots; counted against the caps too. */
export const HISTORY_MEMORY = 200;

/**
 * A cheap estimate of the heap a held record keeps alive, for the deferral byte caps. It walks the body
 * and attributes once (no serialisation, no allocation) and ignores what records share (resource,
 * scope, span context).
 */
export function estimateRecordMemory(record: LogkitRecord): number {
  // Exact but for the objects around the bytes, and read without decoding the record.
  const encoded = keptEncodingOf(record);
  if (encoded !== undefined) return ENCODED_BASE + encoded.byteLength;
  let bytes = RECORD_BASE + valueMemory(record.body);
  const attributes = record.attributes;
  for (const key in attributes) bytes += MAP_ENTRY + STRING_HEADER + key.length + valueMemory(attributes[key]);
  return bytes;
}

function valueMemory(value: LogValue): number {
  switch (typeof value) {
    case 'string':
      return STRING_HEADER + value.length;
    case 'number':
    case 'bigint':
      return NUMBER;
    case 'boolean':
    case 'undefined':
      return 0;
    default:
      break;
  }
  if (value === null) return 0;
  if (value instanceof Uint8Array) return 96 + value.byteLength;
  if (value instanceof OtlpDouble) return NUMBER;
  if (Array.isArray(value)) {
    let bytes = 32;
    for (const item of value) bytes += ARRAY_SLOT + valueMemory(item);
    return bytes;
  }
  let bytes = 64;
  for (const key in value) bytes += MAP_ENTRY + STRING_HEADER + key.length + valueMemory(value[key]);
  return bytes;
}
