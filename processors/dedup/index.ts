import { hash } from 'node:crypto';
import { type Context, diag, type HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { DEDUP_ATTRIBUTES, DEFERRAL_ATTRIBUTES } from '../../src/core/attributes.js';
import { isAuditRecord } from '../../src/core/audit-record.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { isoNanos, recordTime, resourceAttributes, toText } from '../../src/core/record-fields.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { type DedupConfig, NEVER_COMPARED } from './config.js';

/** `stats().dedup`, present when `OTEL_LOGKIT_DEDUP_WINDOW` is set. Records in = `passed` + `folded`; out = `passed` + `emitted`. */
export type DedupStatsSection = {
  /** Records that went on as they came: the first of each window, audit records, released histories, overflow. */
  passed: number;
  /** Records folded into a record that carries their count instead of going on alone. */
  folded: number;
  /** Records emitted that stand for several (`log.dedup.count`). */
  emitted: number;
  /** Records passed unfolded because `OTEL_LOGKIT_DEDUP_MAX_KEYS` distinct records were being folded. */
  overflow: number;
  /** Records whose key could not be built (passed on unfolded). */
  internal_errors: number;
  /** Distinct records with an open window now (gauge). */
  keys: number;
  /** Windows holding folded records now (gauge). */
  held: number;
};

/** One distinct record's window: opened by its first occurrence, which went on at once. */
interface FoldWindow {
  readonly endsAt: number;
  /** The first repeat: emitted when the window ends, carrying the count of the repeats. */
  held: LogkitRecord | undefined;
  count: number;
  lastSeen: HrTime;
}

/** Keys longer than this are hashed: a window table of 256 KiB bodies would not be bounded memory. */
const LONGEST_KEY = 1024;
/** Resources serialised once and given a short id; past this many, the serialisation itself is used. */
const MAX_RESOURCE_IDS = 4096;
/** How far into the oldest windows a full table looks for one that holds nothing and can go. */
const EVICTION_SCAN = 8;

/**
 * Storm dedup: within `OTEL_LOGKIT_DEDUP_WINDOW`, records identical in severity, scope, resource,
 * event name, body and compared attributes are folded. The first of them goes on at once, unchanged
 * (a record seen once is never delayed or touched); the repeats become one record, emitted when the
 * window ends (or at a flush), with the first repeat's timestamp, `log.dedup.count` (how many it
 * stands for) and `log.dedup.last_seen`. Audit records and deferral's records are never folded. A folded record is answered `taken`: it is held in memory until its window ends.
 *
 * Off (no window), the factory returns `next`: the stage costs nothing.
 *
 * @example
 * // OTEL_LOGKIT_DEDUP_WINDOW=1000: 10,000 identical ERRORs in one second arrive as 2 records,
 * // the first as it was and one with log.dedup.count=9999.
 */
export function createDedupStage(config: DedupConfig, ctx: StageContext, next: LogStage): LogStage {
  if (config.windowMs <= 0) return next;
  return new DedupStage(config, ctx, next);
}

class DedupStage implements LogStage {
  /** In insertion order, which is the order windows end in: the sweep reads from the front. */
  private readonly windows = new Map<string, FoldWindow>();
  private readonly resourceIds = new WeakMap<Resource, string>();
  private readonly internedResources = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private holding = 0;
  private passed = 0;
  private folded = 0;
  private emitted = 0;
  private overflow = 0;
  private internalErrors = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: DedupConfig,
    ctx: StageContext,
    private readonly next: LogStage,
    private readonly now: () => number = Date.now,
  ) {
    ctx.stats.register(
      'dedup',
      (): DedupStatsSection => ({
        passed: this.passed,
        folded: this.folded,
        emitted: this.emitted,
        overflow: this.overflow,
        internal_errors: this.internalErrors,
        keys: this.windows.size,
        held: this.holding,
      }),
      { gauges: ['keys', 'held'] },
    );
  }

  write(record: LogkitRecord, context?: Context): WriteVerdict {
    if (this.closed || neverFolded(record)) return this.pass(record, context);
    let key: string;
    try {
      key = this.keyOf(record);
    } catch (error) {
      this.internalErrors++;
      diag.error('otel-logkit: dedup could not compare a record; passed unfolded', error);
      return this.pass(record, context);
    }
    const now = this.now();
    let window = this.windows.get(key);
    if (window !== undefined && now >= window.endsAt) {
      this.end(key, window);
      window = undefined;
    }
    if (window === undefined) {
      if (!this.makeRoom()) {
        this.overflow++;
        return this.pass(record, context);
      }
      this.windows.set(key, { endsAt: now + this.config.windowMs, held: undefined, count: 0, lastSeen: record.hrTime });
      this.schedule();
      return this.pass(record, context);
    }
    if (window.held === undefined) {
      window.held = record;
      this.holding++;
    }
    window.count++;
    window.lastSeen = recordTime(record);
    this.folded++;
    return 'taken';
  }

  forceFlush(): Promise<void> {
    // Windows stay open: later repeats are folded into a new record.
    for (const window of this.windows.values()) this.emit(window);
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.timer);
      for (const window of this.windows.values()) this.emit(window);
      this.windows.clear();
      await this.next.shutdown();
    })();
    return this.closing;
  }

  private pass(record: LogkitRecord, context: Context | undefined): WriteVerdict {
    this.passed++;
    return this.next.write(record, context);
  }

  private end(key: string, window: FoldWindow): void {
    this.windows.delete(key);
    this.emit(window);
  }

  private emit(window: FoldWindow): void {
    const record = window.held;
    if (record === undefined) return;
    window.held = undefined;
    this.holding--;
    record.attributes[DEDUP_ATTRIBUTES.count] = window.count;
    record.attributes[DEDUP_ATTRIBUTES.lastSeen] = isoNanos(window.lastSeen);
    window.count = 0;
    this.emitted++;
    this.next.write(record);
  }

  /** A full table gives up a window that holds nothing (one among the oldest); a record of it later just opens a new one. */
  private makeRoom(): boolean {
    if (this.windows.size < this.config.maxKeys) return true;
    let scanned = 0;
    for (const [key, window] of this.windows) {
      if (window.held === undefined) {
        this.windows.delete(key);
        return true;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    return false;
  }

  /** One timer, set for the oldest window's end; windows ending meanwhile are also ended by the write that finds them. */
  private schedule(): void {
    if (this.closed) return;
    const first = this.windows.values().next().value;
    if (first === undefined) return;
    if (this.timer !== undefined && this.timerAt <= first.endsAt) return;
    clearTimeout(this.timer);
    this.timerAt = first.endsAt;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, first.endsAt - this.now())).unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) break;
      this.end(key, window);
    }
    this.schedule();
  }

  /**
   * What makes two records the same, as one string: every part length-prefixed or typed, so no value
   * can run into the next. Built from the record's own strings (no serialisation of the record).
   */
  private keyOf(record: LogkitRecord): string {
    let key = `${record.severityNumber ?? 0}|${part(record.severityText)}${scopeKey(record.instrumentationScope)}${this.resourceId(record.resource)}${part(record.eventName)}${valueKey(record.body)}`;
    const attributes = record.attributes;
    const fields = this.config.fields;
    if (fields !== undefined) {
      for (let i = 0; i < fields.length; i++) key += valueKey(attributes[fields[i]!]);
    } else {
      key += attributesKey(attributes);
    }
    return key.length > LONGEST_KEY ? `#${hash('sha256', key, 'base64')}` : key;
  }

  /** The collector folds per sender: resources with the same attributes (from different requests) share an id. */
  private resourceId(resource: Resource): string {
    let id = this.resourceIds.get(resource);
    if (id !== undefined) return id;
    const attributes = resourceAttributes(resource);
    const text = JSON.stringify(Object.keys(attributes).sort().map((k) => [k, toText(attributes[k] as LogValue)]));
    id = this.internedResources.get(text);
    if (id === undefined) {
      id = this.internedResources.size < MAX_RESOURCE_IDS ? `r${this.internedResources.size}|` : part(text);
      if (this.internedResources.size < MAX_RESOURCE_IDS) this.internedResources.set(text, id);
    }
    this.resourceIds.set(resource, id);
    return id;
  }
}

/**
 * Audit records (each one is evidence), and deferral's records — a released history, a history
 * forwarded as held, a failure marker — which belong to one request each: folded into another
 * request's record, a marker would no longer release its own request's history.
 */
function neverFolded(record: LogkitRecord): boolean {
  const attributes = record.attributes;
  return (
    isAuditRecord(record) ||
    attributes[DEFERRAL_ATTRIBUTES.deferred] !== undefined ||
    attributes[DEFERRAL_ATTRIBUTES.held] !== undefined ||
    attributes[DEFERRAL_ATTRIBUTES.outcome] !== undefined
  );
}

function part(text: string | undefined): string {
  return text === undefined ? '-|' : `${text.length}:${text}`;
}

function scopeKey(scope: InstrumentationScope): string {
  return `${part(scope.name)}${part(scope.version)}`;
}

/** A value typed and delimited; non-string bodies and attributes compare by their JSON text. */
function valueKey(value: LogValue): string {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
    case 'number':
      return `n${value}|`;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'bigint':
      return `i${value}|`;
    case 'undefined':
      return 'u';
    default:
      break;
  }
  if (value === null) return 'z';
  const text = toText(value);
  return `${value instanceof Uint8Array ? 'b' : 'j'}${text.length}:${text}`;
}

function attributesKey(attributes: LogMap): string {
  let key = '';
  for (const name of Object.keys(attributes)) {
    if (NEVER_COMPARED.has(name)) continue;
    key += `${part(name)}${valueKey(attributes[name])}`;
  }
  return key;
}
