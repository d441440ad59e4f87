import { diag } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, StageContext } from '../../src/core/stage.js';
import { MemoryQueue, type BatchQueue, type QueuedBatch } from './batch-queue.js';
import { DeadLetterDirectory } from './dead-letter.js';
import { DeliveryStats } from './delivery-stats.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from './protocol.js';
import { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import type { OutgoingBatch } from './outgoing-batch.js';
import { compressInPool } from './compress.js';
import { RetryPolicy } from './retry.js';
import type { DeliverySettings, HttpSettings } from './settings.js';
import { SpoolQueue } from './spool-queue.js';
import { HttpTransport, type Transport } from './transport.js';

/** One HTTP backend: what it speaks, where it is, and how to deliver to it. */
export interface HttpDestinationSpec {
  /** The stats section and the name in diagnostics: `otlp`, `loki`, `elasticsearch`. */
  name: string;
  protocol: Protocol;
  /** The base URL; each request's `path` is appended (an empty path posts to the URL as given). */
  endpoint: URL;
  http: HttpSettings;
  delivery: DeliverySettings;
}

/**
 * The shared delivery core for an HTTP backend, as the last stage of a pipeline: batching by count,
 * bytes and time, several requests in flight over keep-alive sockets, retries with backoff, 413
 * split, dead-letter, severity-ordered shedding (or the spool) when the queue is full, and one stats
 * section named after the destination. A protocol only encodes batches and classifies answers.
 *
 * @example
 * const stage = createHttpDestination({
 *   name: 'loki', protocol: new LokiProtocol(config), endpoint: new URL('http://loki:3100'),
 *   http: { headers: {}, timeoutMs: 10_000, tls: {} }, delivery: DEFAULT_DELIVERY,
 * }, ctx);
 */
export function createHttpDestination(spec: HttpDestinationSpec, ctx: StageContext): LogStage {
  const transport = new HttpTransport(spec.endpoint, spec.http, spec.delivery.batch.maxInFlight);
  return createDestination({ name: spec.name, protocol: spec.protocol, transport, delivery: spec.delivery }, ctx);
}

/** The same core over any transport (the file exporter writes its batches to disk through it). */
export function createDestination(spec: { name: string; protocol: Protocol; transport: Transport; delivery: DeliverySettings }, ctx: StageContext): LogStage {
  return new DeliveryStage(spec.name, spec.protocol, spec.transport, spec.delivery, ctx);
}

/** The request with its body compressed in the thread pool, once (retries reuse it). */
async function compressed(request: WireRequest): Promise<WireRequest> {
  const { body, encoding } = await compressInPool(request.body, request.compress!);
  return { path: request.path, headers: encoding ? { ...request.headers, 'Content-Encoding': encoding } : request.headers, body };
}

/** What `classify` gets when the request was built from OTLP bytes (see Protocol.encodeFromOtlp). */
const NO_RECORDS: readonly LogkitRecord[] = Object.freeze([]);

/** Consecutive failed attempts after which a flush stops waiting for a spooled batch. */
const FAILURES_MEANING_DOWN = 3;

class DeliveryStage implements LogStage {
  private readonly queue: BatchQueue;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private inFlightRecords = 0;
  /** Deliveries waiting out a backoff after several failed attempts in a row: the backend is down. */
  private backingOff = 0;
  private pumpScheduled = false;
  private closed = false;
  /** Set when shutting down: backoff sleeps end at once and nothing new is retried. */
  private stopping = false;
  private readonly wakeups = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private shutdownPromise: Promise<void> | undefined;
  private readonly stats = new DeliveryStats();
  private readonly retry: RetryPolicy;
  private readonly deadLetter: DeadLetterDirectory | undefined;

  constructor(
    private readonly name: string,
    private readonly protocol: Protocol,
    private readonly transport: Transport,
    private readonly settings: DeliverySettings,
    ctx: StageContext,
  ) {
    this.retry = new RetryPolicy(settings.retry);
    this.deadLetter = settings.deadLetterDir ? new DeadLetterDirectory(settings.deadLetterDir, name) : undefined;
    const decoder = new OtlpProtobufDecoder();
    this.queue = settings.spoolDir
      ? SpoolQueue.open(settings.spoolDir, settings.spool, settings.batch, this.stats, decoder, name)
      : new MemoryQueue(settings.batch, this.stats, decoder);
    ctx.stats.register(name, () => this.stats.read(this.queue.memoryRecords + this.inFlightRecords, this.queue.spoolRecords, this.queue.spoolBytes), { gauges: DeliveryStats.GAUGES });
    // Batches an earlier process left in the spool go out without waiting for new records.
    if (this.queue.waiting > 0) this.schedulePump();
  }

  write(record: LogkitRecord): void {
    this.stats.received++;
    if (this.closed) {
      this.stats.dropped.add('shutdown');
      return;
    }
    try {
      this.queue.add(record);
      const { maxRecords, maxBytes, delayMs } = this.settings.batch;
      if (this.queue.openRecords >= maxRecords || this.queue.openBytes >= maxBytes) this.seal();
      else this.timer ??= setTimeout(() => this.seal(), delayMs).unref();
    } catch (error) {
      this.stats.failed++;
      diag.error(`otel-logkit: ${this.name}: a record could not be queued`, error);
    }
  }

  /** Resolves when everything written so far is delivered, or (with a spool) safely on disk and the backend is failing. */
  forceFlush(): Promise<void> {
    this.seal();
    try {
      this.queue.persist();
    } catch (error) {
      diag.error(`otel-logkit: ${this.name}: the spool could not be flushed to disk`, error);
    }
    return this.whenIdle(this.settings.flushTimeoutMs);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.closed = true;
      await this.forceFlush();
      this.stopping = true;
      for (const wake of this.wakeups) wake();
      await this.whenIdle(this.settings.flushTimeoutMs);
      if (this.timer) clearTimeout(this.timer);
      try {
        // With a spool, whatever is left is on disk for the next start; without one it is lost, and counted.
        this.stats.failed += this.queue.close();
      } catch (error) {
        diag.error(`otel-logkit: ${this.name}: closing the queue failed`, error);
      }
      await this.transport.close().catch(() => {});
    })();
    return this.shutdownPromise;
  }

  /** Closes the open batch and schedules delivery off the caller's stack (never inside `emit`). */
  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.queue.seal();
    if (this.queue.waiting > 0) this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    try {
      this.queue.prepare();
      while (this.inFlight < this.settings.batch.maxInFlight && !this.stopping) {
        const queued = this.queue.next();
        if (!queued) break;
        this.inFlight++;
        this.inFlightRecords += queued.batch.size;
        const outcome: { abandoned?: boolean } = {};
        void this.deliver(queued.batch, Date.now(), outcome).then(
          () => this.settle(queued, outcome),
          (error: unknown) => {
            this.stats.failed += queued.batch.size;
            diag.error(`otel-logkit: ${this.name}: delivery failed unexpectedly`, error);
            this.settle(queued, outcome);
          },
        );
      }
    } catch (error) {
      diag.error(`otel-logkit: ${this.name}: the delivery queue failed`, error);
    }
    this.notifyIfIdle();
  }

  private settle(queued: QueuedBatch, outcome: { abandoned?: boolean }): void {
    this.inFlight--;
    this.inFlightRecords -= queued.batch.size;
    // Abandoned at shutdown with a spool: left on disk for the next start instead of acknowledged.
    if (!outcome.abandoned) this.queue.done(queued);
    queued.batch.release();
    this.pump();
  }

  /**
   * Sends one batch until it is acknowledged, refused for good, or given up. Every record ends in
   * exactly one counter: exported, rejected, dead_lettered or failed — or, with a spool, stays on disk.
   * The request is encoded once and reused by every retry.
   */
  private async deliver(outgoing: OutgoingBatch, startedAt: number, state: { abandoned?: boolean } = {}): Promise<void> {
    let attempt = 0;
    let batch = outgoing;
    let request: WireRequest | undefined;
    let viaOtlp = false;
    while (true) {
      let verdict: Verdict;
      let response: WireResponse | undefined;
      try {
        if (!request) {
          request = this.protocol.encodeFromOtlp?.(batch.otlp());
          viaOtlp = request !== undefined;
          request ??= this.protocol.encode(batch.records());
        }
      } catch (error) {
        diag.error(`otel-logkit: ${this.name}: a batch could not be encoded`, error);
        this.refuse(batch, 'encode_error');
        return;
      }
      const sentAt = performance.now();
      try {
        if (request.compress) request = await compressed(request);
        response = await this.transport.send(request);
        verdict = this.protocol.classify(response, viaOtlp ? NO_RECORDS : batch.records());
      } catch (error) {
        verdict = { kind: 'retry', reason: (error as { code?: string }).code ?? 'network_error' };
        diag.warn(`otel-logkit: ${this.name}: ${(error as Error).message}`);
      }
      this.stats.observeLatency(performance.now() - sentAt);
      switch (verdict.kind) {
        case 'ok': {
          const rejected = Math.min(batch.size, verdict.rejected ?? 0);
          this.stats.exported += batch.size - rejected;
          if (rejected > 0) {
            this.stats.rejected += rejected;
            diag.warn(`otel-logkit: ${this.name}: the backend rejected ${rejected} of ${batch.size} records: ${verdict.message ?? 'no reason given'}`);
          }
          return;
        }
        case 'dead-letter':
          this.refuse(batch, verdict.reason, response);
          return;
        case 'split': {
          if (batch.size <= 1) {
            this.refuse(batch, verdict.reason, response);
            return;
          }
          const [first, second] = batch.halves();
          await this.deliver(first, startedAt, state);
          await this.deliver(second, startedAt, state);
          return;
        }
        case 'partial': {
          const retry = verdict.retry.filter((i) => i >= 0 && i < batch.size);
          const refused = verdict.deadLetter.filter(({ index }) => index >= 0 && index < batch.size);
          for (const { index, reason } of refused) this.refuse(batch.pick([index]), reason, response);
          this.stats.exported += batch.size - retry.length - refused.length;
          if (retry.length === 0) return;
          batch = batch.pick(retry);
          request = undefined;
          if (!(await this.backOff(batch.size, startedAt, attempt++, verdict.retryAfterMs, 'partial', state))) return;
          break;
        }
        case 'retry':
          if (!(await this.backOff(batch.size, startedAt, attempt++, verdict.retryAfterMs, verdict.reason, state))) return;
          break;
      }
    }
  }

  /** Waits before the next attempt; false when the batch is given up (counted failed, or left in the spool). */
  private async backOff(
    records: number,
    startedAt: number,
    attempt: number,
    retryAfterMs: number | undefined,
    reason: string,
    state: { abandoned?: boolean },
  ): Promise<boolean> {
    if (this.stopping || !this.retry.mayRetry(startedAt, Date.now(), this.queue.durable)) {
      if (this.queue.durable) {
        state.abandoned = true;
        diag.warn(`otel-logkit: ${this.name}: ${records} records stay in the spool for the next start (last: ${reason})`);
      } else {
        this.stats.failed += records;
        diag.error(`otel-logkit: ${this.name}: gave up ${records} records after ${attempt + 1} attempts (last: ${reason})`);
      }
      return false;
    }
    this.stats.retried += records;
    // One or two failures are a blip worth waiting for even at shutdown; from the third, the backend is down.
    const down = attempt >= FAILURES_MEANING_DOWN - 1;
    if (down) {
      this.backingOff++;
      this.notifyIfIdle();
    }
    try {
      await this.sleep(this.retry.delayMs(attempt, retryAfterMs));
    } finally {
      if (down) this.backingOff--;
    }
    return true;
  }

  private refuse(batch: OutgoingBatch, reason: string, response?: WireResponse): void {
    let written = false;
    try {
      written = this.deadLetter?.write(batch.records(), { reason, response }) ?? false;
    } catch (error) {
      diag.error(`otel-logkit: ${this.name}: a refused batch could not be read for the dead-letter directory`, error);
    }
    if (written) this.stats.deadLettered += batch.size;
    else this.stats.failed += batch.size;
    diag.error(`otel-logkit: ${this.name}: the backend refused ${batch.size} records (${reason})${this.deadLetter ? '' : '; set a dead-letter directory to keep them'}`);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      // Retries never keep the process alive: at exit, spooled batches wait on disk for the next start.
      const timer = setTimeout(done, ms).unref();
      this.wakeups.add(done);
    });
  }

  private whenIdle(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.idleWaiters = this.idleWaiters.filter((w) => w !== finish);
        resolve();
      };
      // Referenced on purpose: while someone awaits a flush, the process stays up (at most timeoutMs).
      const timer = setTimeout(finish, timeoutMs);
      this.idleWaiters.push(finish);
    });
  }

  /**
   * Nothing left to send. With a spool, also when every remaining delivery is waiting out a backoff
   * after repeated failures: the records are safe on disk, so a flush need not wait for the backend.
   */
  private isIdle(): boolean {
    if (this.pumpScheduled) return false;
    if (this.queue.durable && this.backingOff > 0 && this.backingOff === this.inFlight) return true;
    return this.inFlight === 0 && this.queue.waiting === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
