import { SeverityNumber } from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTES as A, DEFERRAL_ATTRIBUTES } from '../../core/attributes.js';
import { parseSeverity, severityName } from '../../core/severity.js';

/**
 * One stored record as the timeline shows it, whatever it was read from (a file line, a Loki entry, an
 * Elasticsearch document). Every value is text from the log store: hostile, shown escaped.
 */
export interface TimelineEntry {
  /** Nanoseconds since the epoch: the record's time (its observed time when it had none). */
  time: bigint;
  service: string;
  /** `service.instance.id` when stored: two instances of one service number their records apart. */
  instance?: string;
  /** `correlation.local_id`: the execution (request handler, job) inside the service. */
  localId?: string;
  /** `log.record.sequence`: 1, 2, 3… per global id within one process. */
  sequence?: number;
  severityNumber?: number;
  /** The severity as stored (`ERROR`, `warn`, …), or the name of the number. */
  severity: string;
  body: string;
  /** Held by the deferral stage and released when the execution failed. */
  deferred: boolean;
  traceId?: string;
  spanId?: string;
  /** The other attributes, as text, for the details of the record. */
  attributes: Record<string, string>;
}

/** ERROR and above by number; by name where the store kept only a level (Loki's `level` label). */
export function isError(entry: Pick<TimelineEntry, 'severityNumber' | 'severity'>): boolean {
  const n = entry.severityNumber !== undefined && entry.severityNumber > 0 ? entry.severityNumber : parseSeverity(entry.severity);
  return n !== undefined ? n >= SeverityNumber.ERROR : /^(err|crit|alert|emerg)/i.test(entry.severity);
}

/** What every reader extracts from a flat attribute map (record attributes over resource attributes). */
export interface EntryFields {
  time: bigint;
  severityNumber?: number;
  severity?: string;
  body: string;
  traceId?: string;
  spanId?: string;
}

/** The fields read from the record's own attributes, the rest kept for details. */
const OWN_FIELDS = new Set<string>([A.globalId, A.localId, A.sequence, DEFERRAL_ATTRIBUTES.deferred, 'service.name', 'service.instance.id']);

/**
 * Builds an entry from the record's fields and its attributes flattened to dotted keys (`get` reads one
 * attribute by its OTel name, wherever the store put it).
 */
export function toEntry(fields: EntryFields, get: (key: string) => string | undefined, rest: Record<string, string>): TimelineEntry {
  const sequence = Number(get(A.sequence));
  const deferred = get(DEFERRAL_ATTRIBUTES.deferred);
  const attributes: Record<string, string> = Object.create(null);
  for (const key of Object.keys(rest)) if (!OWN_FIELDS.has(key)) attributes[key] = rest[key];
  return {
    time: fields.time,
    service: get('service.name') || 'unknown_service',
    instance: get('service.instance.id') || undefined,
    localId: get(A.localId) || undefined,
    sequence: Number.isSafeInteger(sequence) && sequence > 0 ? sequence : undefined,
    severityNumber: fields.severityNumber,
    severity: fields.severity || severityName(fields.severityNumber),
    body: fields.body,
    deferred: deferred === 'true' || deferred === '1',
    traceId: fields.traceId || undefined,
    spanId: fields.spanId || undefined,
    attributes,
  };
}

/** `2026-11-22T06:21:07.123456789Z` (any fraction length, or none) → nanoseconds since the epoch. */
export function isoToNanos(text: string): bigint | undefined {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?\d*(Z|[+-]\d\d:?\d\d)$/.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** A decimal string of nanoseconds (OTLP-JSON, Loki) → bigint, or undefined when it is not one. */
export function nanosOf(text: unknown): bigint | undefined {
  if (typeof text === 'number' && Number.isFinite(text)) return BigInt(Math.trunc(text));
  return typeof text === 'string' && /^\d{1,20}$/.test(text) ? BigInt(text) : undefined;
}
