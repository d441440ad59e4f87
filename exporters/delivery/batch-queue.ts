import type { LogkitRecord } from '../../src/core/record.js';
import type { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { EncodedBatch } from '../codec/encoded-batch.js';
import type { DeliveryStats } from './delivery-stats.js';
import { OutgoingBatch } from './outgoing-batch.js';
import type { BatchSettings } from './settings.js';
import { SeverityShedder, severityBand } from './severity-shedding.js';
import type { SpoolTicket } from './spool.js';

/** A closed batch handed to the sender. `ticket` is set when the batch is also on disk. */
export interface QueuedBatch {
  batch: OutgoingBatch;
  ticket?: SpoolTicket;
}

/**
 * Where records wait between `write` and the wire: the open batch plus closed batches, all encoded on
 * hand-over (see EncodedBatch). Two kinds: {@link MemoryQueue} (bounded, sheds by severity when full)
 * and `SpoolQueue` (write-ahead to disk, memory as a cache, never sheds). The stage decides when to
 * seal and dispatch; the queue decides what happens at its bounds.
 */
export interface BatchQueue {
  /** Records held in memory: the open batch and closed batches not yet on the wire. */
  readonly memoryRecords: number;
  /** Closed batches waiting (in memory or on disk). */
  readonly waiting: number;
  readonly openRecords: number;
  readonly openBytes: number;
  /** Serialises one record into the open batch, making room first when full. Never throws for a full queue. */
  add(record: LogkitRecord): void;
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

  get waiting(): number {
    return this.ready.length;
  }

  get openRecords(): number {
    return this.open.count;
  }

  get openBytes(): number {
    return this.open.bytes;
  }

  add(record: LogkitRecord): void {
    const band = severityBand(record);
    if (this.memoryRecords >= this.settings.maxQueueRecords || this.bytes >= this.settings.maxQueueBytes) {
      this.stats.dropped.add('queue_full');
      const freed = this.shedder.evictFor(band, () => [...this.ready, this.open]);
      if (freed === 0) return;
      this.memoryRecords--;
      this.bytes -= freed;
    }
    this.bytes += this.open.add(record);
    this.memoryRecords++;
    this.shedder.add(band);
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

  close(): number {
    this.seal();
    return this.memoryRecords;
  }
}
