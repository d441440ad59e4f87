import { DEFERRAL_ATTRIBUTES } from '../../../src/core/attributes.js';
import type { Execution } from '../../../src/core/execution.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import { type PipelineStats, ReasonCounter, type ReasonCounts } from '../../../src/core/stats.js';
import type { DeferredConfig } from './config.js';
import { type HeldRecord, HeldQueue, mergeInOrder } from './held-queue.js';
import { estimateRecordMemory, HISTORY_MEMORY } from './record-memory.js';

/** `stats().deferred`: held DEBUG histories (present while deferral is on). */
export type DeferredStatsSection = {
  buffered: number;
  flushed: number;
  discarded: number;
  dropped: ReasonCounts;
  held_records: number;
  held_bytes: number;
  held_executions: number;
};

/** The attribute every record released by a flush carries. */

interface ExecutionHistory {
  readonly execution: Execution;
  readonly queue: HeldQueue;
  /** The traces its records belong to, so a failed root span can find them. Usually one. */
  traces?: Set<string>;
  lastTrace?: string;
  /** When it last held a record (the sweeper's coarse clock). */
  touchedAt: number;
  /** False once taken off the books; its slot in the eviction order is then skipped. */
  live: boolean;
}

/**
 * Deferred logging: records below the threshold are held per execution instead of dropped, and
 * released — in their original order, with their original timestamps, marked `logkit.deferred: true` —
 * when the execution fails. When it succeeds they are discarded (counted).
 *
 * Nested executions: each execution holds its own history. When a nested execution fails it releases
 * its own history (its parent may still recover, e.g. by retrying). When it succeeds its history is
 * handed to its parent, so a failing root releases everything held for it, nested units included; if
 * the parent has already failed or released, the history is released at once. After a release, later
 * records of that execution pass straight through (`hold` returns false).
 *
 * Records outside any execution go to one ring buffer with the same caps, released by `releaseGlobal`.
 *
 * Memory is bounded three ways, oldest first and every loss counted: records and estimated bytes per
 * execution, estimated bytes in total (taken from the execution that started holding first), and a
 * TTL: an execution that has held nothing new for that long and never ended (a leaked context) loses
 * its history. Idle time rather than age, so a long job that keeps logging keeps its history.
 */
export class DeferredBuffer {
  private readonly histories = new Map<Execution, ExecutionHistory>();
  /**
   * Histories oldest first, for the total cap. Not the Map's own order: taking from the front of a Map
   * that keeps deleting its first entries walks over their holes every time, O(n) per eviction.
   */
  private evictionOrder: (ExecutionHistory | undefined)[] = [];
  private evictionHead = 0;
  /** Closed histories still in `evictionOrder` past its head; compacted away before they pile up. */
  private closedInOrder = 0;
  private readonly released = new WeakSet<Execution>();
  private readonly ring = new HeldQueue();
  private readonly sweeper: NodeJS.Timeout;
  private seq = 0;
  /** Date.now() as of the last sweep: precise enough for a TTL, and no clock read per record. */
  private clock: number;
  private heldBytes = 0;
  private heldRecords = 0;
  private buffered = 0;
  private flushed = 0;
  private discarded = 0;
  private readonly dropped = new ReasonCounter();

  constructor(
    private readonly config: DeferredConfig,
    private readonly emit: (record: LogkitRecord) => void,
    stats: PipelineStats,
    /** What a record is held as (StageContext.holdingForm): its encoded bytes in the pipeline. */
    private readonly holdingForm: (record: LogkitRecord) => LogkitRecord = (record) => record,
    private readonly now: () => number = Date.now,
  ) {
    stats.register(
      'deferred',
      (): DeferredStatsSection => ({
        buffered: this.buffered,
        flushed: this.flushed,
        discarded: this.discarded,
        dropped: this.dropped.toJSON(),
        held_records: this.heldRecords,
        held_bytes: this.heldBytes,
        held_executions: this.histories.size,
      }),
      { gauges: ['held_records', 'held_bytes', 'held_executions'] },
    );
    this.clock = now();
    this.sweeper = setInterval(() => this.expire(), Math.min(10_000, Math.max(10, config.ttlMs / 4)));
    this.sweeper.unref();
  }

  /**
   * Holds a record for `execution` (or in the global ring when there is none). Returns false, holding
   * nothing, when that execution has already been released: the caller passes the record on.
   */
  hold(record: LogkitRecord, execution: Execution | undefined): boolean {
    if (execution === undefined) {
      this.add(this.ring, this.item(record), this.config.globalMaxRecords);
    } else {
      if (this.released.has(execution)) return false;
      let history = this.histories.get(execution);
      if (history === undefined) {
        // A unit started under an already-released one is part of that visible history: pass through too.
        if (this.underReleased(execution)) return false;
        history = this.open(execution);
      }
      history.touchedAt = this.clock;
      const traceId = record.spanContext?.traceId;
      if (traceId !== undefined && traceId !== history.lastTrace) {
        history.lastTrace = traceId;
        (history.traces ??= new Set()).add(traceId);
      }
      this.add(history.queue, this.item(record), this.config.maxRecords);
    }
    this.buffered++;
    this.enforceTotal();
    return true;
  }

  private item(record: LogkitRecord): HeldRecord {
    const held = this.holdingForm(record);
    return { record: held, bytes: estimateRecordMemory(held), seq: ++this.seq };
  }

  /** The execution failed (error record, throw, 5xx, failed root span): release its history; later records pass. */
  releaseExecution(execution: Execution): void {
    this.released.add(execution);
    this.release(this.take(execution));
  }

  /**
   * The process is about to die (an uncaught exception or unhandled rejection): every unit of work
   * still running has failed with it, so every held history and the ring are released, in order.
   */
  releaseAll(): void {
    for (const execution of [...this.histories.keys()]) this.releaseExecution(execution);
    this.releaseGlobal();
  }

  /** An error record outside any execution: release the global ring. */
  releaseGlobal(): void {
    this.release(this.unbook(this.ring.drain()));
  }

  /** A local root span ended with status ERROR: release every execution holding records of its trace, and those records of the ring. */
  releaseTrace(traceId: string): void {
    for (const history of [...this.histories.values()]) {
      if (history.traces?.has(traceId)) this.releaseExecution(history.execution);
    }
    this.release(this.unbook(this.ring.extract((item) => item.record.spanContext?.traceId === traceId)));
  }

  /** An execution ended: release on failure, else hand its history to its parent or discard it. */
  ended(execution: Execution): void {
    const items = this.take(execution);
    if (execution.outcome === 'failed') {
      this.released.add(execution);
      return this.release(items);
    }
    if (items.length === 0) return;
    const parent = execution.parent;
    if (parent === undefined || parent.outcome === 'succeeded') {
      this.discarded += items.length;
      return;
    }
    if (parent.outcome === 'failed' || this.released.has(parent)) return this.release(items);
    this.adopt(parent, items);
  }

  /** Drops everything still held (counted as `shutdown`) and stops the TTL timer. */
  shutdown(): void {
    clearInterval(this.sweeper);
    for (const execution of [...this.histories.keys()]) this.drop(this.take(execution), 'shutdown');
    this.drop(this.unbook(this.ring.drain()), 'shutdown');
  }

  /** Drops, as `expired`, the histories of executions that held nothing new for the TTL. */
  expire(): void {
    this.clock = this.now();
    const cutoff = this.clock - this.config.ttlMs;
    for (const [execution, history] of [...this.histories]) {
      if (history.touchedAt <= cutoff) this.drop(this.take(execution), 'expired');
    }
  }

  private add(queue: HeldQueue, item: HeldRecord, maxRecords: number): void {
    queue.push(item);
    this.heldBytes += item.bytes;
    this.heldRecords++;
    while (queue.size > maxRecords) this.evictOldest(queue, 'evicted_record_cap');
    while (queue.bytes > this.config.maxBytes && queue.size > 0) this.evictOldest(queue, 'evicted_byte_cap');
  }

  private enforceTotal(): void {
    while (this.heldBytes > this.config.maxTotalBytes) {
      const oldest = this.oldestHistory();
      const queue = oldest?.queue ?? this.ring;
      if (queue.size === 0) return;
      this.evictOldest(queue, 'evicted_total_cap');
      if (oldest && queue.size === 0) this.close(oldest);
    }
  }

  /** The history that started holding first and still holds something. */
  private oldestHistory(): ExecutionHistory | undefined {
    while (this.evictionHead < this.evictionOrder.length) {
      const history = this.evictionOrder[this.evictionHead]!;
      if (history.live) {
        if (history.queue.size > 0) return history;
        this.close(history);
        continue;
      }
      this.evictionOrder[this.evictionHead++] = undefined;
      this.closedInOrder--;
      if (this.evictionHead > 1024 + this.evictionOrder.length / 2) this.compactOrder();
    }
    return undefined;
  }

  private open(execution: Execution): ExecutionHistory {
    const history: ExecutionHistory = { execution, queue: new HeldQueue(), touchedAt: this.clock, live: true };
    this.histories.set(execution, history);
    this.evictionOrder.push(history);
    this.heldBytes += HISTORY_MEMORY;
    return history;
  }

  private close(history: ExecutionHistory): void {
    history.live = false;
    this.histories.delete(history.execution);
    this.heldBytes -= HISTORY_MEMORY;
    // Closed histories (and the executions they point to) stay in the order until compacted: keep
    // them fewer than the live ones.
    if (++this.closedInOrder > this.histories.size + 1024) this.compactOrder();
  }

  private compactOrder(): void {
    this.evictionOrder = this.evictionOrder.slice(this.evictionHead).filter((h) => h?.live);
    this.evictionHead = 0;
    this.closedInOrder = 0;
  }

  private adopt(parent: Execution, records: HeldRecord[]): void {
    const history = this.histories.get(parent) ?? this.open(parent);
    const merged = mergeInOrder([this.unbook(history.queue.drain()), records]);
    for (const item of merged) {
      const traceId = item.record.spanContext?.traceId;
      if (traceId !== undefined) (history.traces ??= new Set()).add(traceId);
      this.add(history.queue, item, this.config.maxRecords);
    }
  }

  /** Removes an execution's history from the books and returns its records (none if it held nothing). */
  private take(execution: Execution): HeldRecord[] {
    const history = this.histories.get(execution);
    if (history === undefined) return [];
    this.close(history);
    return this.unbook(history.queue.drain());
  }

  private evictOldest(queue: HeldQueue, reason: string): void {
    const item = queue.shift()!;
    this.heldBytes -= item.bytes;
    this.heldRecords--;
    this.dropped.add(reason);
  }

  /** Takes records that left their queue off the held totals. */
  private unbook(items: HeldRecord[]): HeldRecord[] {
    for (const item of items) this.heldBytes -= item.bytes;
    this.heldRecords -= items.length;
    return items;
  }

  private underReleased(execution: Execution): boolean {
    for (let up = execution.parent; up !== undefined; up = up.parent) if (this.released.has(up)) return true;
    return false;
  }

  private release(items: readonly HeldRecord[]): void {
    for (const { record } of items) {
      record.attributes[DEFERRAL_ATTRIBUTES.deferred] = true;
      this.flushed++;
      this.emit(record);
    }
  }

  private drop(items: readonly HeldRecord[], reason: string): void {
    if (items.length > 0) this.dropped.add(reason, items.length);
  }
}
