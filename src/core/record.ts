import { types } from 'node:util';
import type { HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpDouble } from './otlp-values.js';

/**
 * A value in a record body or attribute: OTLP's AnyValue, plus `bigint` for int64 values beyond 2^53
 * (encoders write it as an integer), and {@link OtlpDouble} for a received double that is a whole number
 * (encoders write it as a double). Maps are plain objects whose keys are all own data properties: a
 * `__proto__` key from the application is stored with {@link setMapEntry}, never as the prototype.
 * (Null-prototype objects would be simpler, but V8 keeps them in dictionary mode, which made every
 * record copy and every added attribute 2-4x slower.)
 */
export type LogValue = string | number | boolean | bigint | Uint8Array | OtlpDouble | null | undefined | LogValue[] | LogMap;
export interface LogMap {
  [key: string]: LogValue;
}

/**
 * The shared record model: our own copy of an SDK log record, taken once when the record enters the
 * pipeline. The SDK freezes its record when `onEmit` returns; everything that holds a record past that
 * (deferral, batching, the spool) holds this copy, which the application can no longer reach or mutate.
 * It has the shape of the SDK's `ReadableLogRecord`, so any SDK `LogRecordExporter` accepts it.
 */
export interface LogkitRecord {
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext?: SpanContext;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: LogValue;
  eventName?: string;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  attributes: LogMap;
  droppedAttributesCount: number;
}

export interface SnapshotLimits {
  /** Longer strings are cut and marked; protects memory and the wire from 5 MB log lines. */
  maxStringLength: number;
  /** Deeper values become the string `[depth limit]`. */
  maxDepth: number;
  /**
   * Longer arrays and maps keep their first entries. Also the budget of the whole record: entries of
   * all its collections together (attributes first, then the body), so nested collections cannot
   * multiply the copy (an array of 10k arrays of 10k is 10k entries, not 1e8).
   */
  maxCollectionLength: number;
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = {
  maxStringLength: 256 * 1024,
  maxDepth: 32,
  maxCollectionLength: 10_000,
};

/** What a snapshot had to change to make a hostile value safe; counted in `stats()`. */
export interface SnapshotReport {
  truncated: number;
  replaced: number;
}

/**
 * Copies an SDK record into a {@link LogkitRecord}. Never throws: cycles, BigInt, Symbols, functions,
 * Errors, Map/Set, Buffers, Dates, lone surrogates, getters that throw and absurd depth all come out as
 * plain, encodable values.
 */
export function snapshotRecord(source: ReadableLogRecord, limits: SnapshotLimits, report: SnapshotReport): LogkitRecord {
  const copier = new ValueCopier(limits, report);
  // Attributes first: a huge body must not spend the budget the (few, bounded) attributes need.
  const attributes = copier.map(source.attributes as Record<string, unknown>, 0);
  const record: LogkitRecord = {
    hrTime: source.hrTime,
    hrTimeObserved: source.hrTimeObserved,
    spanContext: source.spanContext,
    severityNumber: source.severityNumber,
    severityText: typeof source.severityText === 'string' ? copier.string(source.severityText) : undefined,
    body: copier.value(source.body, 0),
    eventName: typeof source.eventName === 'string' ? copier.string(source.eventName) : undefined,
    resource: source.resource,
    instrumentationScope: source.instrumentationScope,
    attributes,
    droppedAttributesCount: source.droppedAttributesCount,
  };
  return record;
}

/**
 * A deep copy of one value under the same rules, for values that arrive by another way than an SDK
 * record. `bigintAsString` is for values bound for the SDK's API, whose AnyValue has no bigint.
 */
export function copyValue(
  value: unknown,
  limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS,
  report: SnapshotReport = { truncated: 0, replaced: 0 },
  bigintAsString = false,
): LogValue {
  return new ValueCopier(limits, report, bigintAsString).value(value, 0);
}

/** Stores `value` under `key` as an own data property, even when the key is `__proto__`. */
export function setMapEntry(map: LogMap, key: string, value: LogValue): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

const arraySlice = Array.prototype.slice;
/** Shorter arrays are cheaper to copy item by item than to check for a plain array first. */
const BLOCK_COPY_MIN = 64;

/**
 * An array whose `slice` can only make a plain array: not a Proxy or a subclass, no own `constructor`
 * (the built-in `slice` builds its result with the array's species constructor).
 */
function isPlainArray(value: readonly unknown[]): boolean {
  return (
    !types.isProxy(value) &&
    Object.getPrototypeOf(value) === Array.prototype &&
    !Object.hasOwn(value, 'constructor') &&
    Array.prototype.constructor === Array &&
    Array[Symbol.species] === Array
  );
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * What replaces the cut part: `…[truncated 4,980,000 chars]`. The count is grouped so the marker has
 * no run of 7 digits, which would send every truncated string through the redactor's card and phone
 * detectors (the marker alone doubled the cost of redacting a 256 KiB string).
 */
function truncationMarker(cut: number): string {
  return `…[truncated ${String(cut).replace(/\B(?=(\d{3})+$)/g, ',')} chars]`;
}

class ValueCopier {
  private readonly ancestors: object[] = [];
  /** Collection entries this copy may still take (see SnapshotLimits.maxCollectionLength). */
  private budget: number;

  constructor(
    private readonly limits: SnapshotLimits,
    private readonly report: SnapshotReport,
    private readonly bigintAsString = false,
  ) {
    this.budget = limits.maxCollectionLength;
  }

  /**
   * Spends one entry of the budget; false when it is spent. Entries are spent depth first, as they
   * are copied, so the first entries of a value come out whole and the rest is cut (counted once per
   * collection by the caller).
   */
  private spend(): boolean {
    if (this.budget <= 0) return false;
    this.budget--;
    return true;
  }

  string(value: string): string {
    const max = this.limits.maxStringLength;
    if (value.length <= max) return this.wellFormed(value);
    this.report.truncated++;
    // A cut between the halves of a surrogate pair would leave half a character: cut before the pair.
    const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
    // Checked before the marker is appended: on the flat kept part the check is one pass (or none,
    // for one-byte text), while the concatenation would have to be flattened first.
    return `${this.wellFormed(value.slice(0, end))}${truncationMarker(value.length - end)}`;
  }

  private wellFormed(value: string): string {
    if (value.isWellFormed()) return value;
    this.report.replaced++;
    return value.toWellFormed();
  }

  value(value: unknown, depth: number): LogValue {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'bigint':
        return this.bigintAsString ? value.toString() : value;
      case 'number':
      case 'boolean':
      case 'undefined':
        return value;
      case 'symbol':
        this.report.replaced++;
        return this.string(value.toString());
      case 'function':
        this.report.replaced++;
        return `[Function ${this.string(value.name || 'anonymous')}]`;
      default:
        break;
    }
    if (value === null) return null;
    return this.object(value as object, depth);
  }

  map(source: Record<string, unknown> | undefined, depth: number): LogMap {
    const out: LogMap = {};
    if (source === undefined || source === null) return out;
    let keys: string[];
    try {
      keys = Object.keys(source);
    } catch {
      this.report.replaced++;
      return out;
    }
    const n = Math.min(keys.length, this.limits.maxCollectionLength);
    let copied = 0;
    this.ancestors.push(source);
    for (; copied < n && this.spend(); copied++) {
      const key = keys[copied]!;
      let item: unknown;
      try {
        item = source[key];
      } catch {
        this.report.replaced++;
        item = '[unreadable]';
      }
      setMapEntry(out, this.string(key), this.value(item, depth + 1));
    }
    this.ancestors.pop();
    if (copied < keys.length) this.report.truncated++;
    return out;
  }

  private object(value: object, depth: number): LogValue {
    if (depth >= this.limits.maxDepth) {
      this.report.truncated++;
      return '[depth limit]';
    }
    if (this.ancestors.includes(value)) {
      this.report.replaced++;
      return '[circular]';
    }
    try {
      if (value instanceof Uint8Array) return new Uint8Array(value);
      if (value instanceof OtlpDouble) return value; // immutable
      if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
      if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      if (Array.isArray(value)) return this.array(value, depth);
      // Only the entries the budget allows are read: a Set of 1e6 is not spread first.
      if (value instanceof Set) return this.array(this.first(value, value.size), depth);
      if (value instanceof Map) return this.entries(value, depth);
      if (value instanceof Error) return this.error(value, depth);
      return this.map(value as Record<string, unknown>, depth);
    } catch {
      this.report.replaced++;
      return '[unreadable]';
    }
  }

  /** A Map as a map of its first entries (keys as strings), read one by one: no array of pairs, no second object. */
  private entries(source: Map<unknown, unknown>, depth: number): LogMap {
    const out: LogMap = {};
    const n = Math.min(source.size, this.limits.maxCollectionLength);
    let copied = 0;
    this.ancestors.push(source);
    try {
      for (const [key, item] of source) {
        if (copied >= n || !this.spend()) break;
        copied++;
        setMapEntry(out, this.string(String(key)), this.value(item, depth + 1));
      }
    } finally {
      this.ancestors.pop();
    }
    if (copied < source.size) this.report.truncated++;
    return out;
  }

  private first<T>(items: Iterable<T>, size: number): T[] {
    const out: T[] = [];
    const limit = Math.min(this.budget, this.limits.maxCollectionLength);
    if (size > limit) this.report.truncated++;
    for (const item of items) {
      if (out.length >= limit) break;
      out.push(item);
    }
    return out;
  }

  /**
   * A long plain array is cut to what the budget allows in one step (a block copy for an array of
   * numbers) and its items are then made safe in place; short arrays and other arrays (subclasses,
   * whose `slice` could run their own code) are read item by item.
   */
  private array(value: readonly unknown[], depth: number): LogValue[] {
    const n = Math.min(value.length, this.limits.maxCollectionLength, this.budget);
    let out: LogValue[];
    let i = 0;
    this.ancestors.push(value);
    if (n >= BLOCK_COPY_MIN && isPlainArray(value)) {
      out = arraySlice.call(value, 0, n) as LogValue[];
      for (; i < n && this.spend(); i++) {
        const item = out[i] as unknown;
        // Numbers and booleans are already safe; anything else is copied (a hole becomes undefined).
        if (typeof item !== 'number' && typeof item !== 'boolean') out[i] = this.value(item, depth + 1);
      }
      // Nested collections may have spent the rest of the budget.
      if (i < n) out.length = i;
    } else {
      out = [];
      for (; i < n && this.spend(); i++) out.push(this.value(value[i], depth + 1));
    }
    this.ancestors.pop();
    if (i < value.length) this.report.truncated++;
    return out;
  }

  private error(error: Error, depth: number): LogMap {
    const fields: Record<string, unknown> = { type: error.name, message: error.message, stacktrace: error.stack };
    for (const key of Object.keys(error)) fields[key] = (error as unknown as Record<string, unknown>)[key];
    return this.map(fields, depth);
  }
}
