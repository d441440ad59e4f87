import type { LogkitRecord } from '../../src/core/record.js';
import type { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { EncodedBatch } from '../codec/encoded-batch.js';
import type { DeliveryStats } from './delivery-stats.js';
import { OutgoingBatch } from './outgoing-batch.js';
import type { BatchSettings } from './settings.js';
import { SeverityShedder, severityBand } from './severity-shedding.js';
import type { SpoolTicket } from './spool.js';

/** A closed batch handed to the sender. `tickets`: the spool frames it was read from, when it is on disk. */
export interface QueuedBatch {
  batch: OutgoingBatch;
  tickets?: readonly SpoolTicket[];
}

/**
 * Where records wait between `write` and the wire: the open batch plus closed batches, all encoded on
 * hand-over (see EncodedBatch). Two kinds: {@link MemoryQueue} (bounded, sheds by severity when full)
 * and `SpoolQueue` (write-ahead to disk, memory as a cache, never sheds). The stage decides when to
 * seal and dispatch; the queue decides what happens at its bounds.
 */
export interface BatchQueue {
  /** Records held only in memory (not also on disk): the open batch and closed batches not yet on the wire. */
  readonly memoryRecords: number;
  /** Their encoded bytes: what `OTEL_LOGKIT_QUEUE_MAX_BYTES` bounds. */
  readonly memoryBytes: number;
  /**
   * How long the open batch may stay open: the batch delay, or (with a working spool) the commit
   * interval, so what `emit()` handed over is on disk within a few milliseconds.
   */
  readonly sealAfterMs: number;
  /** Closed batches waiting (in memory or on disk). */
  readonly waiting: number;
  /** Milliseconds until the waiting batches should go out (0: now), or undefined when nothing waits. */
  dueInMs(now: number): number | undefined;
  readonly openRecords: number;
  readonly openBytes: number;
  /**
   * Serialises one record into the open batch, making room first when full (a less severe record
   * goes, counted). False: no room for this one (counted). Never throws for a full queue.
   */
  add(record: LogkitRecord): boolean;
  /** Closes the open batch (if any). */
  seal(): void;
  /** Work to do off the emit path before sending (the spool's write-ahead). */
  prepare(): void;
  /** Makes everything accepted so far durable now (the spool: write-ahead and fsync). */
  persist(): void;
  /** Resolves once background writes of what was committed so far are done (the spool's). */
  written?(): Promise<void>;
  /** The next batch to send; `force` (a flush) also hands out what is not due yet. */
  next(force: boolean): QueuedBatch | undefined;
  /** The batch reached a final outcome (delivered, refused, given up): it will not be sent again. */
  done(batch: QueuedBatch): void;
  /** Delivery gave the batch up for now (shutdown): keep it for the next start if possible, else count it lost. */
  keep(batch: QueuedBatch): void;
  /** No more writes: persist what can be persisted. Returns how many records in memory could not be kept. */
  close(): number;
  readonly durable: boolean;
  /** Records waiting on disk, not yet handed to the sender. */
  readonly spoolRecords: number;
  readonly spoolBytes: number;
}

/**
 * The queue without a spool. When full, the least severe record goes first (see SeverityShedder);
 * every record given up is counted as `dropped.queue_full`.
 */
export class MemoryQueue implements BatchQueue {
  readonly durable = false;
  readonly spoolRecords = 0;
  readonly spoolBytes = 0;
  private open = new EncodedBatch();
  private readonly ready: EncodedBatch[] = [];
  private bytes = 0;
  memoryRecords = 0;
  private lastBatchBytes = 16 * 1024;
  private readonly shedder = new SeverityShedder();

  constructor(
    private readonly settings: BatchSettings,
    private readonly stats: DeliveryStats,
    private readonly decoder: OtlpProtobufDecoder,
  ) {}

  get memoryBytes(): number {
    return this.bytes;
  }

  get sealAfterMs(): number {
    return this.settings.delayMs;
  }

  get waiting(): number {
    return this.ready.length;
  }

  dueInMs(): number | undefined {
    return this.ready.length > 0 ? 0 : undefined;
  }

  get openRecords(): number {
    return this.open.count;
  }

  get openBytes(): number {
    return this.open.bytes;
  }

  add(record: LogkitRecord): boolean {
    const band = severityBand(record);
    if (this.isFull()) {
      this.stats.dropped.add('queue_full');
      const freed = this.shedder.evictFor(band, () => [...this.ready, this.open]);
      if (freed === 0) return false;
      this.memoryRecords--;
      this.bytes -= freed;
    }
    this.bytes += this.open.add(record, band);
    this.memoryRecords++;
    this.shedder.add(band);
    return true;
  }

  /**
   * Takes a closed batch encoded elsewhere (the spool queue's, while its disk is unusable) and makes
   * room under the same bounds, least severe records first; returns the records given up.
   */
  adopt(batch: EncodedBatch, reason: 'queue_full' | 'spool_error'): number {
    this.ready.push(batch);
    this.memoryRecords += batch.count;
    this.bytes += batch.bytes;
    for (const band of batch.bands()) this.shedder.add(band);
    let shed = 0;
    while (this.isFull() && this.memoryRecords > 0) {
      const freed = this.shedder.evictLowest(() => this.ready);
      if (freed === 0) break;
      this.memoryRecords--;
      this.bytes -= freed;
      shed++;
    }
    if (shed > 0) this.stats.dropped.add(reason, shed);
    return shed;
  }

  private isFull(): boolean {
    return this.memoryRecords >= this.settings.maxQueueRecords || this.bytes >= this.settings.maxQueueBytes;
  }

  seal(): void {
    if (this.open.count === 0) return;
    this.lastBatchBytes = this.open.bytes;
    this.ready.push(this.open);
    this.open = new EncodedBatch(this.lastBatchBytes);
  }

  prepare(): void {}

  persist(): void {}

  next(): QueuedBatch | undefined {
    const batch = this.ready.shift();
    if (!batch) return undefined;
    this.memoryRecords -= batch.count;
    this.bytes -= batch.bytes;
    this.shedder.remove(batch.bands());
    return { batch: OutgoingBatch.fromEncoded(batch, this.decoder) };
  }

  done(): void {}

  keep(batch: QueuedBatch): void {
    this.stats.fail('shutdown', batch.batch.size);
  }

  close(): number {
    this.seal();
    return this.memoryRecords;
  }
}
