import type { LogkitRecord } from '../../src/record.js';
import type { DeliveryStats } from './delivery-stats.js';
import type { BatchSettings } from './settings.js';
import { SeverityShedder } from './severity-shedding.js';
import type { SpoolTicket } from './spool.js';

/** A closed batch handed to the sender. `ticket` is set when the batch is also on disk. */
export interface QueuedBatch {
  records: LogkitRecord[];
  ticket?: SpoolTicket;
  /** The batch as OTLP protobuf, when the spool already encoded it (see Protocol.encodeFromOtlp). */
  otlp?: Uint8Array;
}

/**
 * Where records wait between `write` and the wire: the open batch plus closed batches. Two kinds:
 * {@link MemoryQueue} (bounded, sheds by severity when full) and `SpoolQueue` (write-ahead to disk,
 * memory as a cache, never sheds). The stage decides when to seal and dispatch; the queue decides
 * what happens at its bounds.
 */
export interface BatchQueue {
  /** Records held in memory: the open batch and closed batches not yet on the wire. */
  readonly memoryRecords: number;
  /** Closed batches waiting (in memory or on disk). */
  readonly waiting: number;
  readonly openRecords: number;
  readonly openBytes: number;
  /** Adds one record to the open batch, making room first when full. Never throws for a full queue. */
  add(record: LogkitRecord, size: number): void;
  /** Closes the open batch (if any). */
  seal(): void;
  /** Work to do off the emit path before sending (the spool's write-ahead). */
  prepare(): void;
  /** Makes everything accepted so far durable now (the spool: write-ahead and fsync). */
  persist(): void;
  next(): QueuedBatch | undefined;
  /** The batch reached a final outcome (delivered, refused, given up): it will not be sent again. */
  done(batch: QueuedBatch): void;
  /** No more writes: persist what can be persisted. Returns how many records in memory could not be kept. */
  close(): number;
  readonly durable: boolean;
  readonly spoolBytes: number;
}

/**
 * The queue without a spool. When full, the least severe record goes first (see SeverityShedder);
 * every record given up is counted as `dropped.queue_full`.
 */
export class MemoryQueue implements BatchQueue {
  readonly durable = false;
  readonly spoolBytes = 0;
  private open: LogkitRecord[] = [];
  openBytes = 0;
  private readonly ready: { records: LogkitRecord[]; bytes: number }[] = [];
  private bytes = 0;
  memoryRecords = 0;
  private readonly shedder = new SeverityShedder();

  constructor(
    private readonly settings: BatchSettings,
    private readonly stats: DeliveryStats,
    private readonly sizeOf: (record: LogkitRecord) => number,
  ) {}

  get waiting(): number {
    return this.ready.length;
  }

  get openRecords(): number {
    return this.open.length;
  }

  add(record: LogkitRecord, size: number): void {
    if (this.memoryRecords >= this.settings.maxQueueRecords || this.bytes + size > this.settings.maxQueueBytes) {
      this.stats.dropped.add('queue_full');
      const evicted = this.shedder.evictFor(record, [...this.ready.map((b) => b.records), this.open]);
      if (!evicted) return;
      const victimSize = this.sizeOf(evicted.victim);
      this.memoryRecords--;
      this.bytes -= victimSize;
      const batch = this.ready[evicted.queue];
      if (batch) batch.bytes -= victimSize;
      else this.openBytes -= victimSize;
    }
    this.open.push(record);
    this.openBytes += size;
    this.memoryRecords++;
    this.bytes += size;
    this.shedder.add(record);
  }

  seal(): void {
    if (this.open.length === 0) return;
    this.ready.push({ records: this.open, bytes: this.openBytes });
    this.open = [];
    this.openBytes = 0;
  }

  prepare(): void {}

  persist(): void {}

  next(): QueuedBatch | undefined {
    const batch = this.ready.shift();
    if (!batch) return undefined;
    this.memoryRecords -= batch.records.length;
    this.bytes -= batch.bytes;
    this.shedder.remove(batch.records);
    return { records: batch.records };
  }

  done(): void {}

  close(): number {
    this.seal();
    return this.memoryRecords;
  }
}
