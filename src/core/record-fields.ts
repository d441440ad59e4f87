import type { Attributes, HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord, LogValue } from './record.js';
import { OtlpDouble } from './otlp-values.js';

/**
 * How the native exporters (Loki, Elasticsearch) read a record: its time and its values as plain JSON.
 * OTLP has its own AnyValue encoding; these backends want ordinary JSON, so the rules for the values
 * JSON cannot hold (bigint, bytes, NaN) are written once here.
 */

const pendingSnapshots = new WeakMap<Resource, Attributes>();

/**
 * A resource's attributes, cheaply. While a resource still has unsettled async attributes (host id
 * detection), the SDK rebuilds the map and logs an error on every read — over a microsecond each, on
 * the emit path for routing. So: one snapshot per resource while pending, and a single wait for the
 * async attributes, after which the SDK's own memoised map is used.
 */
export function resourceAttributes(resource: Resource): Attributes {
  if (!resource.asyncAttributesPending) return resource.attributes;
  let snapshot = pendingSnapshots.get(resource);
  if (snapshot === undefined) {
    pendingSnapshots.set(resource, (snapshot = resource.attributes));
    void resource.waitForAsyncAttributes?.().catch(() => {});
  }
  return snapshot;
}

/** The event time, or the observed time when the emitter gave none (OTel data model: Timestamp is optional). */
export function recordTime(record: LogkitRecord): HrTime {
  const [seconds, nanos] = record.hrTime;
  return seconds === 0 && nanos === 0 ? record.hrTimeObserved : record.hrTime;
}

/** Nanoseconds since the epoch as a decimal string (Loki's JSON push format), exact beyond 2^53. */
export function unixNanosString([seconds, nanos]: HrTime): string {
  if (seconds === 0) return String(nanos);
  return `${seconds}${String(nanos).padStart(9, '0')}`;
}

/** RFC 3339 with nanosecond precision (`2026-11-22T06:21:07.123456789Z`); Elasticsearch `date` and `date_nanos` both accept it. */
export function isoNanos([seconds, nanos]: HrTime): string {
  const iso = new Date(seconds * 1000).toISOString(); // …T06:21:07.000Z
  return `${iso.slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/**
 * A record value as something `JSON.stringify` writes faithfully: int64 beyond 2^53 as a decimal
 * string (precision kept), bytes as base64, NaN/±Infinity as strings (JSON has no such numbers).
 */
export function toJsonValue(value: LogValue): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'undefined':
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof OtlpDouble) return value.value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  const out: Record<string, unknown> = Object.create(null); // `__proto__` stays an ordinary key
  for (const key of Object.keys(value)) out[key] = toJsonValue(value[key]);
  return out;
}

/** A value as one line of text: strings as they are, everything else as JSON. */
export function toText(value: LogValue): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  const json = toJsonValue(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
}
