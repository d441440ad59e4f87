import { diag } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/record.js';
import { OtlpProtobufDecoder } from '../otlp/decode-protobuf.js';
import { encodeOtlpProtobufShared } from '../otlp/encode-protobuf.js';
import type { BatchQueue, QueuedBatch } from './batch-queue.js';
import type { DeliveryStats } from './delivery-stats.js';
import type { BatchSettings, SpoolSettings } from './settings.js';
import { Spool, type SpoolTicket } from './spool.js';

/**
 * The queue with a spool: every closed batch is written ahead to disk (as OTLP protobuf, so any
 * protocol can re-encode it on replay) and acknowledged there once it reaches a final outcome. Memory
 * is only a cache of the newest batches: when it is full, batches are spilled (written and let go)
 * synchronously, so a burst of any size costs disk, not heap, and nothing is shed.
 */
export class SpoolQueue implements BatchQueue {
  readonly durable = true;
  private open: LogkitRecord[] = [];
  openBytes = 0;
  /** Closed batches not yet on disk; written by `prepare` (off the emit path) or by a spill. */
  private unwritten: { records: LogkitRecord[]; bytes: number }[] = [];
  private readonly cache = new Map<SpoolTicket, { records: LogkitRecord[]; bytes: number; otlp: Uint8Array }>();
  private bytes = 0;
  memoryRecords = 0;
  private readonly decoder = new OtlpProtobufDecoder();

  private constructor(
    private readonly spool: Spool,
    private readonly settings: BatchSettings,
    private readonly stats: DeliveryStats,
    private readonly name: string,
  ) {}

  static open(dir: string, spoolSettings: SpoolSettings, settings: BatchSettings, stats: DeliveryStats, name: string): SpoolQueue {
    const spool = Spool.open(dir, spoolSettings, (damage) => {
      stats.spoolDamaged++;
      if (damage.records > 0) stats.dropped.add('spool_corrupt', damage.records);
      diag.error(`otel-logkit: ${name}: spool file ${damage.file} is damaged at byte ${damage.offset}; skipped ${damage.bytesSkipped} bytes (${damage.records || 'unknown'} records)`);
    });
    if (spool.pendingRecords > 0) diag.info(`otel-logkit: ${name}: replaying ${spool.pendingRecords} records left in the spool`);
    return new SpoolQueue(spool, settings, stats, name);
  }

  get waiting(): number {
    return this.unwritten.length + this.spool.pendingBatches;
  }

  get openRecords(): number {
    return this.open.length;
  }

  get spoolBytes(): number {
    return this.spool.bytes;
  }

  get pendingRecords(): number {
    return this.spool.pendingRecords;
  }

  add(record: LogkitRecord, size: number): void {
    if (this.memoryRecords >= this.settings.maxQueueRecords || this.bytes + size > this.settings.maxQueueBytes) this.spill();
    this.open.push(record);
    this.openBytes += size;
    this.memoryRecords++;
    this.bytes += size;
  }

  seal(): void {
    if (this.open.length === 0) return;
    this.unwritten.push({ records: this.open, bytes: this.openBytes });
    this.open = [];
    this.openBytes = 0;
  }

  prepare(): void {
    for (const batch of this.unwritten.splice(0)) this.write(batch);
  }

  next(): QueuedBatch | undefined {
    this.prepare();
    while (true) {
      const ticket = this.spool.take();
      if (!ticket) return undefined;
      const cached = this.cache.get(ticket);
      if (cached) {
        this.cache.delete(ticket);
        this.release(cached);
        return { records: cached.records, ticket, otlp: cached.otlp };
      }
      try {
        const otlp = this.spool.read(ticket);
        const records = this.decoder.decode(otlp);
        if (ticket.recovered) this.stats.replayed += records.length;
        return { records, ticket, otlp };
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
    this.cache.clear();
    this.memoryRecords = 0;
    this.bytes = 0;
    this.spool.close();
    return 0;
  }

  persist(): void {
    this.seal();
    this.prepare();
    this.spool.sync();
  }

  /** The queue is full: write every closed batch to disk and drop cached copies, oldest first. */
  private spill(): void {
    this.seal();
    this.prepare();
    for (const [ticket, batch] of this.cache) {
      if (this.memoryRecords < this.settings.maxQueueRecords && this.bytes < this.settings.maxQueueBytes) break;
      this.cache.delete(ticket);
      this.release(batch);
    }
  }

  private write(batch: { records: LogkitRecord[]; bytes: number }): void {
    let appended: ReturnType<Spool['append']>;
    let otlp: Uint8Array;
    try {
      const encoded = encodeOtlpProtobufShared(batch.records);
      appended = this.spool.append(encoded, batch.records.length);
      // Kept with the cached records, so the first send need not encode again.
      otlp = Buffer.from(encoded);
    } catch (error) {
      // A full or failing disk: these records cannot be kept, and say so.
      this.release(batch);
      this.stats.dropped.add('spool_error', batch.records.length);
      diag.error(`otel-logkit: ${this.name}: cannot write to the spool`, error);
      return;
    }
    const { ticket, evicted } = appended;
    this.stats.spooled += batch.records.length;
    this.cache.set(ticket, { ...batch, otlp });
    for (const lost of evicted) {
      this.stats.dropped.add('spool_full', lost.records);
      const cached = this.cache.get(lost);
      if (cached) {
        this.cache.delete(lost);
        this.release(cached);
      }
    }
  }

  private release(batch: { records: LogkitRecord[]; bytes: number }): void {
    this.memoryRecords -= batch.records.length;
    this.bytes -= batch.bytes;
  }
}
