import { accessSync, constants, mkdirSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import { ConfigError, LogkitError } from '../../src/core/errors.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { EncodedBatch } from '../codec/encoded-batch.js';
import { giveBuffer, takeBuffer } from '../codec/proto-writer.js';
import { MemoryQueue, type BatchQueue, type QueuedBatch } from './batch-queue.js';
import type { DeliveryStats } from './delivery-stats.js';
import { OutgoingBatch } from './outgoing-batch.js';
import type { BatchSettings, SpoolSettings } from './settings.js';
import { SpoolHealth } from './spool-health.js';
import { Spool, type SpoolTicket } from './spool.js';

interface Cached {
  batch: EncodedBatch;
  otlp: Buffer;
}

/** How often the spool is checked for having been removed under us (a cheap fstat). */
const CHECK_EVERY_MS = 1000;

/** Throws the configuration error SpoolQueue.open would, without opening the spool (for a check on another thread than the one that will open it). */
export function checkSpoolDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (cause) {
    throw unusableSpoolDirectory(dir, cause);
  }
}

function unusableSpoolDirectory(dir: string, cause: unknown): ConfigError {
  return new ConfigError('OTEL_LOGKIT_SPOOL_DIR', dir, 'a directory this process can create, read and write', { cause });
}

/**
 * The queue with a spool, a write-ahead log: what `write` accepted is committed to disk as a frame
 * (an OTLP protobuf request, so any protocol can re-encode it on replay) every `commitMs` — a few
 * milliseconds, not when a batch fills — and acknowledged there once it reaches a final outcome. A
 * request is assembled from consecutive frames up to the batch limits, once `maxRecords` wait or the
 * oldest has waited the batch delay. Memory is only a cache of the newest frames, so a burst of any
 * size costs disk, not heap.
 *
 * When the disk fails, nothing stops: the error is counted, closed batches wait in a bounded memory
 * queue (shed by severity when full, counted `dropped.spool_error`), and the spool is tried again
 * later (see SpoolHealth).
 */
export class SpoolQueue implements BatchQueue {
  readonly durable = true;
  private open = new EncodedBatch();
  /** Closed batches not yet on disk; written by `prepare` (off the emit path) or at once in a burst. */
  private readonly unwritten: EncodedBatch[] = [];
  private unwrittenRecords = 0;
  private unwrittenBytes = 0;
  private readonly cache = new Map<SpoolTicket, Cached>();
  private cachedRecords = 0;
  private cachedBytes = 0;
  private lastBatchBytes = 16 * 1024;
  /** Batches kept in memory only, while the spool is unusable. */
  private readonly fallback: MemoryQueue;
  private readonly health: SpoolHealth;
  private checkedAt = 0;

  private constructor(
    private readonly spool: Spool,
    private readonly settings: BatchSettings,
    private readonly commitMs: number,
    private readonly stats: DeliveryStats,
    private readonly decoder: OtlpProtobufDecoder,
    private readonly name: string,
  ) {
    this.fallback = new MemoryQueue(settings, stats, decoder);
    this.health = new SpoolHealth(name, stats);
    // A background fsync or acknowledgement that failed: new commits go to memory until the retry.
    spool.onWriteError = (error) => this.health.failed(error, 'flushing in the background', Date.now());
  }

  /** Opens the spool at startup; a directory that cannot be created or read is a configuration error (see checkSpoolDirectory). */
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
      throw unusableSpoolDirectory(dir, cause);
    }
    if (spool.pendingRecords > 0) diag.info(`otel-logkit: ${name}: replaying ${spool.pendingRecords} records left in the spool`);
    return new SpoolQueue(spool, settings, spoolSettings.commitMs, stats, decoder, name);
  }

  /** Not on disk: the open batch, batches about to be written, and those kept in memory while the disk fails. */
  get memoryRecords(): number {
    return this.open.count + this.unwrittenRecords + this.fallback.memoryRecords;
  }

  get memoryBytes(): number {
    return this.open.bytes + this.unwrittenBytes + this.fallback.memoryBytes;
  }

  /** While the disk fails, commits stop: batches fill as they would without a spool. */
  get sealAfterMs(): number {
    return this.health.ok ? Math.min(this.commitMs, this.settings.delayMs) : this.settings.delayMs;
  }

  get waiting(): number {
    return this.unwritten.length + this.fallback.waiting + this.spool.pendingBatches;
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

  dueInMs(now: number): number | undefined {
    if (this.unwritten.length > 0 || this.fallback.waiting > 0) return 0;
    const oldest = this.spool.peek();
    if (!oldest) return undefined;
    if (this.spool.pendingRecords >= this.settings.maxRecords || this.spool.pendingBytes >= this.settings.maxBytes) return 0;
    return Math.max(0, oldest.at + this.settings.delayMs - now);
  }

  add(record: LogkitRecord): boolean {
    // A synchronous burst never lets the commit timer run: write ahead now rather than hold it all in memory.
    if (this.unwrittenRecords >= this.cacheRecords() || this.unwrittenBytes >= this.cacheBytes()) this.prepare();
    this.open.add(record);
    return true;
  }

  seal(): void {
    if (this.open.count === 0) return;
    this.lastBatchBytes = this.open.bytes;
    this.unwritten.push(this.open);
    this.unwrittenRecords += this.open.count;
    this.unwrittenBytes += this.open.bytes;
    this.open = new EncodedBatch(this.lastBatchBytes);
  }

  prepare(): void {
    if (this.unwritten.length === 0) return;
    const batches = this.unwritten.splice(0);
    this.unwrittenRecords = 0;
    this.unwrittenBytes = 0;
    for (const batch of batches) this.write(batch);
  }

  written(): Promise<void> {
    return this.spool.written();
  }

  persist(): void {
    this.seal();
    this.prepare();
    try {
      this.spool.sync();
    } catch (error) {
      this.health.failed(error, 'flushing to disk', Date.now());
    }
  }

  next(force: boolean): QueuedBatch | undefined {
    this.prepare();
    const fromMemory = this.fallback.next();
    if (fromMemory) return fromMemory;
    // A loop, not recursion: after a removed directory, thousands of frames in a row may be unreadable.
    while (true) {
      const due = this.dueInMs(Date.now());
      if (due === undefined || (due > 0 && !force)) return undefined;
      const tickets: SpoolTicket[] = [];
      let records = 0;
      let bytes = 0;
      for (let t = this.spool.peek(); t; t = this.spool.peek()) {
        if (tickets.length > 0 && (records + t.records > this.settings.maxRecords || bytes + t.size > this.settings.maxBytes)) break;
        this.spool.take();
        tickets.push(t);
        records += t.records;
        bytes += t.size;
      }
      const batch = this.assemble(tickets);
      if (batch) return batch;
    }
  }

  done(batch: QueuedBatch): void {
    if (!batch.tickets) return;
    try {
      this.spool.ack(batch.tickets);
      this.health.retrySoon(Date.now());
    } catch (error) {
      // The batch is delivered; at worst it is sent again after a restart.
      this.health.failed(error, 'acknowledging a batch', Date.now());
    }
  }

  keep(batch: QueuedBatch): void {
    // Batches read from the spool are still there, unacknowledged: the next start sends them.
    if (batch.tickets) return;
    this.keepOnDisk(batch.batch.otlp(), batch.batch.size);
  }

  /** Everything in memory goes to disk if the disk takes it (the next start replays it); the rest is counted. */
  close(): number {
    this.seal();
    this.prepare();
    for (let q = this.fallback.next(); q; q = this.fallback.next()) {
      this.keepOnDisk(q.batch.otlp(), q.batch.size);
      q.batch.release();
    }
    for (const cached of this.cache.values()) this.recycle(cached);
    this.cache.clear();
    this.cachedRecords = 0;
    this.cachedBytes = 0;
    try {
      this.spool.close();
    } catch (error) {
      this.health.failed(error, 'closing', Date.now());
    }
    return 0;
  }

  private keepOnDisk(otlp: Buffer, records: number): void {
    try {
      this.spool.append(otlp, records);
      this.stats.spooled += records;
    } catch (error) {
      this.health.failed(error, 'keeping a batch for the next start', Date.now());
      this.stats.fail('spool_error', records);
    }
  }

  /** One request from consecutive frames: the cached copy when there is one, else read back from disk. */
  private assemble(tickets: SpoolTicket[]): QueuedBatch | undefined {
    if (tickets.length === 1) {
      const cached = this.uncache(tickets[0]!);
      if (cached) return { batch: OutgoingBatch.fromEncoded(cached.batch, this.decoder, cached.otlp), tickets };
    }
    const parts: Buffer[] = [];
    const kept: SpoolTicket[] = [];
    let records = 0;
    for (const ticket of tickets) {
      const cached = this.uncache(ticket);
      let otlp: Buffer;
      if (cached) {
        cached.batch.release();
        otlp = cached.otlp;
      } else {
        try {
          otlp = this.spool.read(ticket);
        } catch (error) {
          this.lost(ticket, error);
          continue;
        }
        if (ticket.recovered) this.stats.replayed += ticket.records;
      }
      parts.push(otlp);
      kept.push(ticket);
      records += ticket.records;
    }
    if (kept.length === 0) return undefined;
    // Protobuf concatenation is a merge: the frames' requests become one request with their ResourceLogs in order.
    const otlp = parts.length === 1 ? parts[0]! : concatPooled(parts);
    return { batch: OutgoingBatch.fromOtlp(otlp, records, this.decoder), tickets: kept };
  }

  /** A frame that cannot be read back (corrupt, or its file removed under us): counted, and never retried. */
  private lost(ticket: SpoolTicket, error: unknown): void {
    const corrupt = error instanceof LogkitError && error.code === 'LOGKIT_SPOOL_CORRUPT';
    this.stats.dropped.add(corrupt ? 'spool_corrupt' : 'spool_error', ticket.records);
    diag.error(`otel-logkit: ${this.name}: a spooled batch of ${ticket.records} records could not be read back`, error);
    try {
      this.spool.ack([ticket]);
    } catch {
      // Already counted; an acknowledgement that cannot be written only means a second attempt after a restart.
    }
  }

  private write(batch: EncodedBatch): void {
    const now = Date.now();
    if (!this.health.mayTry(now)) {
      this.fallback.adopt(batch, 'spool_error');
      return;
    }
    const otlp = batch.toOtlp();
    let appended: ReturnType<Spool['append']>;
    try {
      if (!this.health.ok || now - this.checkedAt >= CHECK_EVERY_MS) {
        this.checkedAt = now;
        this.spool.check();
      }
      appended = this.spool.append(otlp, batch.count);
    } catch (error) {
      giveBuffer(otlp);
      this.health.failed(error, 'writing a batch', now);
      try {
        this.spool.abandonActive();
      } catch {
        // The next append starts a new segment anyway.
      }
      this.fallback.adopt(batch, 'spool_error');
      return;
    }
    this.health.succeeded(now);
    const { ticket, evicted } = appended;
    this.stats.spooled += batch.count;
    // Kept with its request bytes, so the first send need not read it back.
    this.cache.set(ticket, { batch, otlp });
    this.cachedRecords += batch.count;
    this.cachedBytes += cachedSize(batch, otlp);
    for (const lost of evicted) {
      this.stats.dropped.add('spool_full', lost.records);
      const cached = this.uncache(lost);
      if (cached) this.recycle(cached);
    }
    // Over the cache bounds, the oldest cached copies go: they are on disk.
    for (const [old] of this.cache) {
      if (this.cachedRecords <= this.cacheRecords() && this.cachedBytes <= this.cacheBytes()) break;
      this.recycle(this.uncache(old)!);
    }
  }

  /**
   * With a spool, memory holds only what is about to be sent — enough batches to fill every request
   * slot once more — and everything else waits on disk, whatever the queue limits allow. A frame no
   * longer cached is read back from disk (the page cache, usually) when its turn comes.
   */
  private cacheRecords(): number {
    const { maxQueueRecords, maxRecords, maxInFlight } = this.settings;
    return Math.min(maxQueueRecords, maxRecords * (maxInFlight + 1));
  }

  private cacheBytes(): number {
    const { maxQueueBytes, maxBytes, maxInFlight } = this.settings;
    return Math.min(maxQueueBytes, maxBytes * (maxInFlight + 1));
  }

  private uncache(ticket: SpoolTicket): Cached | undefined {
    const cached = this.cache.get(ticket);
    if (!cached) return undefined;
    this.cache.delete(ticket);
    this.cachedRecords -= cached.batch.count;
    this.cachedBytes -= cachedSize(cached.batch, cached.otlp);
    return cached;
  }

  /** A cached batch that will not be sent from memory: its buffers go back to the pool. */
  private recycle(cached: Cached): void {
    cached.batch.release();
    giveBuffer(cached.otlp);
  }
}

/** A cached frame holds its records twice, encoded and as the request: both count against the bound. */
function cachedSize(batch: EncodedBatch, otlp: Buffer): number {
  return batch.bytes + otlp.length;
}

function concatPooled(parts: Buffer[]): Buffer {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = takeBuffer(total).subarray(0, total);
  let at = 0;
  for (const part of parts) {
    part.copy(out, at);
    at += part.length;
    giveBuffer(part);
  }
  return out;
}
