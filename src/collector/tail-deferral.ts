import { diag, SeverityNumber } from '@opentelemetry/api';
import { DEFERRAL_ATTRIBUTES } from '../core/attributes.js';
import { type HeldRecord, HeldQueue } from '../../processors/sampling/deferred/held-queue.js';
import { CORRELATION_ATTRIBUTES } from '../core/attributes.js';
import { FrameRecord } from '../../exporters/codec/frame-record.js';
import type { LogkitRecord } from '../core/record.js';
import { attributeOf, keptEncodingOf } from '../core/record-encoding.js';
import type { LogStage, StageContext, WriteVerdict } from '../core/stage.js';
import { ReasonCounter } from '../core/stats.js';
import type { TailSettings } from './settings.js';

interface IdHistory {
  readonly queue: HeldQueue;
  lastAt: number;
}

/** What the tail stage needs besides its settings: where records go, and the collector's own threshold. */
export interface TailRoutes {
  /** Records not held go through sampling (thresholds, ratios, rate limits) as in the library. */
  sampled: LogStage;
  /** Released history skips sampling (it is below the threshold by definition) and goes to redaction. */
  released: LogStage;
  /** Whether sampling would keep this record; a record it would not keep is held instead. */
  keeps(record: LogkitRecord): boolean;
  flushLevel: SeverityNumber;
}

/**
 * Tail deferral across services: below-threshold records — marked `logkit.deferred.held` by services
 * that forward their deferral, or simply below this collector's threshold (a stock SDK exporter) — are
 * held per correlation id (`correlation.global_id`, else the trace id). Every held record of the id,
 * from every service, is released in timestamp order when any record of the id reaches the flush level
 * or a service says an execution of it failed (`logkit.execution.outcome: failed`); records of the id
 * arriving after that pass straight through for one more window. An id quiet for the window has its
 * records discarded (counted). Caps per id and in total drop the oldest first, every drop counted.
 * Held records live in memory only: they are acknowledged as accepted, and lost (counted `shutdown`)
 * if the collector stops before their id fails — as the in-process deferral does at exit.
 */
export class TailDeferral implements LogStage {
  private readonly ids = new Map<string, IdHistory>();
  /** Ids released recently, with when: later records of a failed request are shown, not held. */
  private readonly releasedIds = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private seq = 0;
  private heldNow = 0;
  private held = 0;
  private released = 0;
  private discarded = 0;
  private releases = 0;
  private readonly dropped = new ReasonCounter();
  private closed = false;

  constructor(
    private readonly settings: TailSettings,
    private readonly routes: TailRoutes,
    ctx: StageContext,
    private readonly now: () => number = Date.now,
  ) {
    ctx.stats.register(
      'tail',
      () => ({
        held: this.held,
        released: this.released,
        discarded: this.discarded,
        releases: this.releases,
        dropped: this.dropped.toJSON(),
        held_records: this.heldNow,
        held_ids: this.ids.size,
      }),
      { gauges: ['held_records', 'held_ids'] },
    );
    this.sweeper = setInterval(() => this.expire(), Math.max(5, Math.min(5000, settings.windowMs / 4))).unref();
  }

  write(record: LogkitRecord): WriteVerdict {
    try {
      const key = correlationKeyOf(record);
      const marked = attributeOf(record, DEFERRAL_ATTRIBUTES.held) === true;
      const belowThreshold = marked || !this.routes.keeps(record);
      if (key !== undefined && belowThreshold) {
        if (this.releasedIds.has(key)) {
          // Late for the release (another service's request crossed the failure marker): shown, and counted as released.
          this.released++;
          return this.routes.released.write(unmark(record));
        }
        if (!this.closed) return this.hold(key, record);
      }
      if (marked) delete record.attributes[DEFERRAL_ATTRIBUTES.held];
      if (key !== undefined && this.releasesId(record)) this.release(key);
      return this.routes.sampled.write(record);
    } catch (error) {
      diag.error('otel-logkit: collector: tail deferral failed for a record', error);
      return 'lost';
    }
  }

  forceFlush(): Promise<void> {
    return this.routes.sampled.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const history of this.ids.values()) this.dropped.add('shutdown', history.queue.size);
    this.ids.clear();
    this.heldNow = 0;
    await this.routes.sampled.shutdown();
  }

  /** Discards the held records of ids quiet for the window; forgets releases older than it. */
  expire(): void {
    const cutoff = this.now() - this.settings.windowMs;
    for (const [key, history] of this.ids) {
      if (history.lastAt > cutoff) continue;
      this.discarded += history.queue.size;
      this.heldNow -= history.queue.size;
      this.ids.delete(key);
    }
    for (const [key, at] of this.releasedIds) if (at <= cutoff) this.releasedIds.delete(key);
  }

  private releasesId(record: LogkitRecord): boolean {
    return (record.severityNumber ?? SeverityNumber.INFO) >= this.routes.flushLevel || attributeOf(record, DEFERRAL_ATTRIBUTES.outcome) === 'failed';
  }

  private hold(key: string, record: LogkitRecord): WriteVerdict {
    let history = this.ids.get(key);
    if (history === undefined) {
      history = { queue: new HeldQueue(), lastAt: 0 };
      this.ids.set(key, history);
    }
    history.lastAt = this.now();
    history.queue.push({ record: ownBytes(record), bytes: 0, seq: ++this.seq });
    this.held++;
    this.heldNow++;
    if (history.queue.size > this.settings.maxRecordsPerId) this.dropOldest(history.queue, 'id_cap');
    while (this.heldNow > this.settings.maxRecords) {
      // Map order is first-held order: the id that started holding first gives up its oldest record.
      const [oldestKey, oldest] = this.ids.entries().next().value as [string, IdHistory];
      this.dropOldest(oldest.queue, 'total_cap');
      if (oldest.queue.size === 0) this.ids.delete(oldestKey);
    }
    return 'taken';
  }

  private dropOldest(queue: HeldQueue, reason: string): void {
    if (queue.shift() === undefined) return;
    this.heldNow--;
    this.dropped.add(reason);
  }

  private release(key: string): void {
    this.releasedIds.delete(key);
    this.releasedIds.set(key, this.now());
    const history = this.ids.get(key);
    if (history === undefined) return;
    this.ids.delete(key);
    const items = history.queue.drain();
    this.heldNow -= items.length;
    this.released += items.length;
    this.releases++;
    // Several services' records arrive in several requests: time order is the order they happened in.
    items.sort(byTime);
    for (const item of items) this.routes.released.write(unmark(item.record));
  }
}

/** The attributes tail deferral reads on every record (the receiver notes which a record carries while it reads a request). */
export const TAIL_ATTRIBUTE_KEYS: readonly string[] = [DEFERRAL_ATTRIBUTES.held, DEFERRAL_ATTRIBUTES.outcome, CORRELATION_ATTRIBUTES.globalId];

/** The correlation id a record belongs to: our global id, else its trace id. */
export function correlationKeyOf(record: LogkitRecord): string | undefined {
  const global = attributeOf(record, CORRELATION_ATTRIBUTES.globalId);
  if (typeof global === 'string' && global !== '') return global;
  return record.spanContext?.traceId;
}

/** A record that is a view into its request gets bytes of its own: held, it must not keep the whole request alive. */
function ownBytes(record: LogkitRecord): LogkitRecord {
  const bytes = keptEncodingOf(record);
  return bytes === undefined ? record : new FrameRecord(Uint8Array.from(bytes), record.resource, record.instrumentationScope);
}

function unmark(record: LogkitRecord): LogkitRecord {
  delete record.attributes[DEFERRAL_ATTRIBUTES.held];
  record.attributes[DEFERRAL_ATTRIBUTES.deferred] = true;
  return record;
}

function byTime(a: HeldRecord, b: HeldRecord): number {
  const [as, an] = a.record.hrTime;
  const [bs, bn] = b.record.hrTime;
  return as - bs || an - bn || a.seq - b.seq;
}
