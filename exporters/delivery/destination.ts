import { diag } from '@opentelemetry/api';
import type { EndpointVariables } from '../../src/core/endpoint-fixes.js';
import { LogkitError } from '../../src/core/errors.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { MemoryQueue, type BatchQueue, type QueuedBatch } from './batch-queue.js';
import { BatchDelivery, type BackoffGate, type BatchOutcome } from './batch-delivery.js';
import { AdaptiveConcurrency } from './concurrency.js';
import { DeadLetterDirectory } from './dead-letter.js';
import { DeliveryStats } from './delivery-stats.js';
import { persistOnExit } from './persist-at-exit.js';
import type { Protocol } from './protocol.js';
import { RetryPolicy } from './retry.js';
import type { DeliverySettings, HttpSettings } from './settings.js';
import { SpoolQueue } from './spool-queue.js';
import { watchedTransport } from './watched-transport.js';
import { HttpTransport, type Transport } from './transport.js';
import { untraced } from './untraced.js';

/** One HTTP backend: what it speaks, where it is, and how to deliver to it. */
export interface HttpDestinationSpec {
  /** The stats section and the name in diagnostics: `otlp`, `loki`, `elasticsearch`. */
  name: string;
  protocol: Protocol;
  /** The base URL; each request's `path` is appended (an empty path posts to the URL as given). */
  endpoint: URL;
  http: HttpSettings;
  delivery: DeliverySettings;
  /** The variables the fixes of its warnings name. */
  variables?: EndpointVariables;
}

/**
 * The shared delivery core for an HTTP backend, as the last stage of a pipeline: batching by count,
 * bytes and time, several requests in flight over keep-alive sockets, severity-ordered shedding (or
 * the spool) when the queue is full, and one stats section named after the destination. What becomes
 * of each batch (retries, 413 split, dead-letter) is {@link BatchDelivery}'s; a protocol only encodes
 * batches and classifies answers. Exports run untraced (see `untraced`).
 *
 * @example
 * const stage = createHttpDestination({
 *   name: 'loki', protocol: new LokiProtocol(config), endpoint: new URL('http://loki:3100'),
 *   http: { headers: {}, timeoutMs: 10_000, tls: {} }, delivery: DEFAULT_DELIVERY,
 * }, ctx);
 */
export function createHttpDestination(spec: HttpDestinationSpec, ctx: StageContext): LogStage {
  // Watched: the first time the backend cannot be reached, the user is told once, naming the endpoint.
  const transport = watchedTransport(new HttpTransport(spec.endpoint, spec.http, spec.delivery.batch.maxInFlight), ctx.health?.watch(spec.name, spec.endpoint), spec.variables && { endpoint: spec.endpoint, variables: spec.variables });
  return createDestination({ name: spec.name, protocol: spec.protocol, transport, delivery: spec.delivery }, ctx);
}

/** The same core over any transport (the file exporter writes its batches to disk through it). */
export function createDestination(spec: { name: string; protocol: Protocol; transport: Transport; delivery: DeliverySettings }, ctx: StageContext): LogStage {
  return new DeliveryStage(spec.name, spec.protocol, spec.transport, spec.delivery, ctx);
}

/** How long shutdown waits for deliveries that were stopped to make their last attempt and settle. */
const STOP_GRACE_MS = 1000;

/**
 * The stage lifecycle: `write` fills batches, `seal` closes them, `pump` starts deliveries up to
 * `maxInFlight`, `forceFlush`/`shutdown` wait for them. Each batch is then {@link BatchDelivery}'s.
 */
class DeliveryStage implements LogStage, BackoffGate {
  private readonly queue: BatchQueue;
  /** Closes the open batch: after the batch delay, or (with a spool) the commit interval. */
  private timer: NodeJS.Timeout | undefined;
  /** Starts the next delivery when the waiting batches come due (a spool assembles requests from several commits). */
  private dispatchTimer: NodeJS.Timeout | undefined;
  /** Flushes in progress: while one waits, batches go out whether due or not. */
  private flushing = 0;
  private inFlight = 0;
  private inFlightRecords = 0;
  /** Deliveries waiting out a backoff after several failed attempts in a row: the backend is down. */
  private backingOff = 0;
  private pumpScheduled = false;
  private closed = false;
  private warnedClosed = false;
  /** Set when shutting down: backoff sleeps end at once and nothing new is retried. */
  stopping = false;
  private readonly wakeups = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private shutdownPromise: Promise<void> | undefined;
  private readonly stats = new DeliveryStats();
  private readonly delivery: BatchDelivery;
  private readonly concurrency: AdaptiveConcurrency;
  /** With a spool: removes the synchronous write-out at process exit (see persistOnExit). */
  private readonly unregisterExit: () => void = () => {};
  private readonly exitSignal: AbortSignal | undefined;

  constructor(
    private readonly name: string,
    protocol: Protocol,
    private readonly transport: Transport,
    private readonly settings: DeliverySettings,
    ctx: StageContext,
  ) {
    const decoder = new OtlpProtobufDecoder();
    this.concurrency = new AdaptiveConcurrency(settings.batch.maxInFlight, settings.batch.adaptiveConcurrency);
    this.queue = settings.spoolDir
      ? SpoolQueue.open(settings.spoolDir, settings.spool, settings.batch, this.stats, decoder, name)
      : new MemoryQueue(settings.batch, this.stats, decoder);
    this.delivery = new BatchDelivery({
      name,
      protocol,
      transport,
      retry: new RetryPolicy(settings.retry),
      stats: this.stats,
      deadLetter: settings.deadLetterDir ? new DeadLetterDirectory(settings.deadLetterDir, name) : undefined,
      durable: this.queue.durable,
      gate: this,
      maxRequestBytes: settings.batch.maxBytes,
    });
    ctx.stats.register(name, () => this.stats.read(this.queue.memoryRecords + this.inFlightRecords, this.queue.memoryBytes, this.queue.spoolRecords, this.queue.spoolBytes, this.concurrency.limit), { gauges: DeliveryStats.GAUGES });
    if (this.queue.durable) {
      this.unregisterExit = persistOnExit(() => {
        this.queue.seal();
        this.queue.persist();
      });
    }
    // The exit flush gave up on this process's last records: stop waiting for the backend now.
    this.exitSignal = ctx.exitSignal;
    this.exitSignal?.addEventListener('abort', () => this.abandon(), { once: true });
    // Batches an earlier process left in the spool go out without waiting for new records.
    if (this.queue.waiting > 0) this.schedulePump();
  }

  /**
   * No more retries: each delivery still waiting out a backoff makes its last attempt and then gives
   * up — counted failed by its reason without a spool, left on disk for the next start with one — and
   * every flush waiting on this destination returns.
   */
  private abandon(): void {
    this.stopping = true;
    for (const wake of this.wakeups) wake();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  write(record: LogkitRecord): WriteVerdict {
    this.stats.received++;
    if (this.closed) {
      this.stats.dropped.add('shutdown');
      this.warnClosed();
      return 'lost';
    }
    try {
      if (!this.queue.add(record)) return 'lost';
      const { maxRecords, maxBytes } = this.settings.batch;
      if (this.queue.openRecords >= maxRecords || this.queue.openBytes >= maxBytes) this.seal();
      else this.timer ??= setTimeout(() => this.commit(), this.queue.sealAfterMs).unref();
      return 'taken';
    } catch (error) {
      this.stats.fail('internal_error', 1);
      diag.error(`otel-logkit: ${this.name}: a record could not be queued`, error);
      return 'lost';
    }
  }

  /** Resolves when everything written so far is delivered, or (with a spool) safely on disk and the backend is failing. */
  forceFlush(): Promise<void> {
    return this.flush(this.settings.flushTimeoutMs);
  }

  /** Within `timeoutMs` in every case: a failing disk or backend shortens the wait, never lengthens it. */
  private async flush(timeoutMs: number): Promise<void> {
    this.flushing++;
    try {
      this.seal();
      try {
        this.queue.persist();
      } catch (error) {
        diag.error(`otel-logkit: ${this.name}: the spool could not be flushed to disk`, error);
      }
      this.pump();
      const deadline = Date.now() + timeoutMs;
      await this.whenIdle(timeoutMs);
      // What a flush promised to have on disk is on disk (the spool writes in the background).
      if (this.queue.written) await this.within(this.queue.written(), deadline - Date.now());
    } finally {
      this.flushing--;
    }
  }

  /** One deadline for the whole shutdown (`flushTimeoutMs`), after which no timer or socket of ours is left. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      const deadline = Date.now() + this.settings.flushTimeoutMs;
      this.closed = true;
      this.unregisterExit();
      await this.flush(this.settings.flushTimeoutMs);
      this.stopping = true;
      for (const wake of this.wakeups) wake();
      // Woken deliveries make one last attempt and then settle (counted, or left in the spool): give
      // them a moment even when the flush used up the deadline, so stats() is final when this resolves.
      await this.whenIdle(Math.max(STOP_GRACE_MS, deadline - Date.now()));
      if (this.timer) clearTimeout(this.timer);
      if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
      if (this.queue.written) await this.within(this.queue.written(), deadline - Date.now());
      try {
        // With a spool, whatever is left is on disk for the next start; without one it is lost, and counted.
        this.stats.fail('shutdown', this.queue.close());
      } catch (error) {
        diag.error(`otel-logkit: ${this.name}: closing the queue failed`, error);
      }
      await this.transport.close().catch(() => {});
    })();
    return this.shutdownPromise;
  }

  /** The seal timer: off the emit path, so the spool's write-ahead happens here, not inside `emit`. */
  private commit(): void {
    this.timer = undefined;
    this.seal();
    try {
      this.queue.prepare();
    } catch (error) {
      diag.error(`otel-logkit: ${this.name}: the delivery queue failed`, error);
    }
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
      while (this.inFlight < this.concurrency.limit && !this.stopping) {
        const queued = this.queue.next(this.flushing > 0);
        if (!queued) break;
        this.inFlight++;
        this.inFlightRecords += queued.batch.size;
        // Whatever context sealed the batch (an application request's span), delivery runs untraced.
        void untraced(() => this.delivery.deliver(queued.batch)).then((outcome) => this.settle(queued, outcome));
      }
      this.armDispatch();
    } catch (error) {
      diag.error(`otel-logkit: ${this.name}: the delivery queue failed`, error);
    }
    this.notifyIfIdle();
  }

  /** Batches waiting but not due yet (a spool collecting commits into a full request): come back when they are. */
  private armDispatch(): void {
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = undefined;
    if (this.stopping || this.inFlight >= this.concurrency.limit) return;
    const due = this.queue.dueInMs(Date.now());
    if (due === undefined || due === 0) return;
    this.dispatchTimer = setTimeout(() => {
      this.dispatchTimer = undefined;
      this.pump();
    }, due).unref();
  }

  /** Never throws: it runs in a promise callback, where an exception would be an unhandled rejection. */
  private settle(queued: QueuedBatch, outcome: BatchOutcome): void {
    this.inFlight--;
    this.inFlightRecords -= queued.batch.size;
    try {
      // Given up at shutdown: a spooled batch stays on disk for the next start instead of being acknowledged.
      if (outcome === 'settled') this.queue.done(queued);
      else this.queue.keep(queued);
    } catch (error) {
      this.stats.fail('internal_error', queued.batch.size);
      diag.error(`otel-logkit: ${this.name}: a delivered batch could not be settled`, error);
    }
    try {
      queued.batch.release();
    } catch {
      // Only buffers going back to the pool.
    }
    this.pump();
  }

  answered(rttMs: number, backPressure: boolean): void {
    // Approximation per answer: the limit was the bound if every slot is (still) in use.
    this.concurrency.observe(rttMs, backPressure, this.inFlight >= this.concurrency.limit, Date.now());
  }

  /** Waits out a backoff; while the backend counts as down, a flush with a spool need not wait for it. */
  async wait(ms: number, down: boolean): Promise<void> {
    if (down) {
      this.backingOff++;
      this.notifyIfIdle();
    }
    try {
      await this.sleep(ms);
    } finally {
      if (down) this.backingOff--;
    }
  }

  /** A write after shutdown is a bug in the application's shutdown order: said once, every record counted. */
  private warnClosed(): void {
    if (this.warnedClosed) return;
    this.warnedClosed = true;
    const message = `records written after shutdown are dropped (counted as dropped.shutdown)`;
    diag.warn(`otel-logkit: ${this.name}: ${message}`, new LogkitError('LOGKIT_SHUTDOWN', message));
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

  /** `work`, or less once `ms` have passed (never below 1 ms, never a timer left behind). */
  private async within(work: Promise<void>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(1, ms))))]);
    clearTimeout(timer);
  }

  private whenIdle(timeoutMs: number): Promise<void> {
    if (this.isIdle() || this.exitSignal?.aborted) return Promise.resolve();
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
