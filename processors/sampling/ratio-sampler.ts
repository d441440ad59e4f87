import type { LogkitRecord } from '../../src/core/record.js';
import { fnv1a } from '../../src/core/hash.js';

const TWO_POW_52 = 2 ** 52;
const INVALID_TRACE = '00000000000000000000000000000000';

/**
 * Keeps a fraction of records so that a trace keeps all of its records or none: the decision is a pure
 * function of the trace id (its last 13 hex digits, the random part of a W3C trace id, read as a number
 * in [0, 1) and compared with the ratio), the same in every process that sees the trace.
 *
 * Records without a trace are decided by their execution's global id (hashed), so a request keeps all
 * or none too; records outside both are decided at random.
 */
export function keepByRatio(record: LogkitRecord, ratio: number, globalId: string | undefined): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return (unitOf(record, globalId) ?? Math.random()) < ratio;
}

/**
 * Where the record's trace (else its execution) falls in [0, 1): a record is kept at ratio r when
 * this is below r, so every sampler that uses it keeps whole traces, and keeps at a lower ratio only
 * traces it kept at a higher one. Undefined for a record outside both.
 */
export function unitOf(record: LogkitRecord, globalId: string | undefined): number | undefined {
  const traceId = record.spanContext?.traceId;
  if (traceId !== undefined && traceId.length === 32 && traceId !== INVALID_TRACE) {
    const n = parseInt(traceId.slice(19), 16);
    if (!Number.isNaN(n)) return n / TWO_POW_52;
  }
  if (globalId !== undefined) return fnv1a(globalId) / 2 ** 32;
  return undefined;
}
