import { diag } from '@opentelemetry/api';
import { ConfigError, LogkitError } from '../../src/core/errors.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { EncodedBatch } from '../codec/encoded-batch.js';
import { giveBuffer } from '../codec/proto-writer.js';
import type { BatchQueue, QueuedBatch } from './batch-queue.js';
import type { DeliveryStats } from './delivery-stats.js';
import { OutgoingBatch } from './outgoing-batch.js';
import type { BatchSettings, SpoolSettings } from './settings.js';
import { Spool, type SpoolTicket } from './spool.js';

interface Cached {
  batch: EncodedBatch;
  otlp: Buffer;
}

/**
 * The queue with a spool: every closed batch is written ahead to disk as an OTLP protobuf request (so
 * any protocol can re-encode it on replay) and acknowledged there once it reaches a final outcome.
 * Memory is only a cache of the newest batches: when it is full, batches are spilled (written and let
 * go) synchronously, so a burst of any size costs disk, not heap, and nothing is shed.
 */
export class SpoolQueue implements BatchQueue {
  readonly durable = true;
  private open = new EncodedBatch();
  /** Closed batches not yet on disk; written by `prepare` (off the emit path) or by a spill. */
  private readonly unwritten: EncodedBatch[] = [];
  private readonly cache = new Map<SpoolTicket, Cached>();
  private bytes = 0;
  memoryRecords = 0;
  private lastBatchBytes = 16 * 1024;

  private constructor(
    private readonly spool: Spool,
    private readonly settings: BatchSettings,
    private readonly stats: DeliveryStats,
    private readonly decoder: OtlpProtobufDecoder,
    private readonly name: string,
  ) {}

  /** Opens the spool at startup; a directory that cannot be created or read is a configuration error. */
  static open(dir: string, spoolSettings: SpoolSettings, settings: BatchSettings, stats: DeliveryStats, decoder: OtlpProtobufDecoder, name: string): SpoolQueue {
    let spool: Spool;
    try {
      spool = Spool.open(dir, spoolSettings, (damage) => {
        stats.spoolDamaged++;
        if (damage.records > 0) stats.dropped.add('spool_corrupt', damage.records);
        const message = `spool file ${damage.file} is damaged at byte ${damage.offset}; skipped ${damage.bytesSkipped} bytes (${damage.records || 'unknown'} records)`;
        diag.error(`otel-logkit: ${name}: ${message}`, new LogkitError('LOGKIT_SPOOL_CORRUPT', message));
      });
    } catch (cause) {
      throw new ConfigError('OTEL_LOGKIT_SPOOL_DIR', dir, 'a directory this process can create, read and write', { cause });
    }
    if (spool.pendingRecords > 0) diag.info(`otel-logkit: ${name}: replaying ${spool.pendingRecords} records left in the spool`);
    return new SpoolQueue(spool, settings, stats, decoder, name);
  }

  get waiting(): number {
    return this.unwritten.length + this.spool.pendingBatches;
  }

  get openRecords(): number {
    return this.open.count;
  }

  get openBytes(): number {
    return this.open.bytes;
  }

  get spoolBytes(): number {
    return this.spool.bytes;
  }

  get spoolRecords(): number {
    return this.spool.pendingRecords;
  }

  add(record: LogkitRecord): void {
    if (this.full()) this.spill();
    this.bytes += this.open.add(record);
    this.memoryRecords++;
  }

  seal(): void {
    if (this.open.count === 0) return;
    this.lastBatchBytes = this.open.bytes;
    this.unwritten.push(this.open);
    this.open = new EncodedBatch(this.lastBatchBytes);
  }

  prepare(): void {
    for (const batch of this.unwritten.splice(0)) this.write(batch);
  }

  persist(): void {
    this.seal();
    this.prepare();
    this.spool.sync();
  }

  next(): QueuedBatch | undefined {
    this.prepare();
    while (true) {
      const ticket = this.spool.take();
      if (!ticket) return undefined;
      const cached = this.cache.get(ticket);
      if (cached) {
        this.cache.delete(ticket);
        this.release(cached.batch);
        return { batch: OutgoingBatch.fromEncoded(cached.batch, this.decoder, cached.otlp), ticket };
      }
      try {
        const otlp = this.spool.read(ticket);
        if (ticket.recovered) this.stats.replayed += ticket.records;
        return { batch: OutgoingBatch.fromOtlp(otlp, ticket.records, this.decoder), ticket };
      } catch (error) {
        this.stats.dropped.add('spool_corrupt', ticket.records);
        this.spool.ack(ticket);
        diag.error(`otel-logkit: ${this.name}: a spooled batch could not be read back`, error);
      }
    }
  }

  done(batch: QueuedBatch): void {
    if (batch.ticket) this.spool.ack(batch.ticket);
  }

  /** Everything in memory goes to disk; nothing is lost (the next start replays it). */
  close(): number {
    this.seal();
    this.prepare();
    for (const cached of this.cache.values()) this.recycle(cached);
    this.cache.clear();
    this.memoryRecords = 0;
    this.bytes = 0;
    this.spool.close();
    return 0;
  }

  /** The queue is full: write every closed batch to disk and drop cached copies, oldest first. */
  private spill(): void {
    this.seal();
    this.prepare();
    for (const [ticket, cached] of this.cache) {
      if (!this.full()) break;
      this.cache.delete(ticket);
      this.release(cached.batch);
      this.recycle(cached);
    }
  }

  private write(batch: EncodedBatch): void {
    let appended: ReturnType<Spool['append']>;
    const otlp = batch.toOtlp();
    try {
      appended = this.spool.append(otlp, batch.count);
    } catch (error) {
      // A full or failing disk: these records cannot be kept, and say so.
      this.release(batch);
      this.recycle({ batch, otlp });
      this.stats.dropped.add('spool_error', batch.count);
      diag.error(`otel-logkit: ${this.name}: cannot write to the spool`, error);
      return;
    }
    const { ticket, evicted } = appended;
    this.stats.spooled += batch.count;
    // Kept with its request bytes, so the first send need not assemble it again.
    this.cache.set(ticket, { batch, otlp });
    for (const lost of evicted) {
      this.stats.dropped.add('spool_full', lost.records);
      const cached = this.cache.get(lost);
      if (cached) {
        this.cache.delete(lost);
        this.release(cached.batch);
        this.recycle(cached);
      }
    }
  }

  /**
   * With a spool, memory holds only what is about to be sent — enough batches to fill every request
   * slot once more — and everything else waits on disk, whatever the queue limits allow.
   */
  private full(): boolean {
    const { maxQueueRecords, maxQueueBytes, maxRecords, maxBytes, maxInFlight } = this.settings;
    const slots = maxInFlight + 1;
    return this.memoryRecords >= Math.min(maxQueueRecords, maxRecords * slots) || this.bytes >= Math.min(maxQueueBytes, maxBytes * slots);
  }

  /** A cached batch that will not be sent from memory: its buffers go back to the pool. */
  private recycle(cached: Cached): void {
    cached.batch.release();
    giveBuffer(cached.otlp);
  }

  private release(batch: EncodedBatch): void {
    this.memoryRecords -= batch.count;
    this.bytes -= batch.bytes;
  }
}
