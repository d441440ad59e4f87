import { diag } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';
import { DeadLetterDirectory } from './dead-letter.js';
import { DeliveryStats } from './delivery-stats.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from './protocol.js';
import { estimateRecordSize } from './record-size.js';
import { RetryPolicy } from './retry.js';
import type { DeliverySettings, HttpSettings } from './settings.js';
import { SeverityShedder } from './severity-shedding.js';
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

/** A closed batch waiting for, or on, the wire. `request` is encoded once and reused by every retry. */
interface Batch {
  records: LogkitRecord[];
  bytes: number;
  request?: WireRequest;
}

class DeliveryStage implements LogStage {
  private open: LogkitRecord[] = [];
  private openBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: Batch[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private pumpScheduled = false;
  private closed = false;
  /** Set when shutting down: backoff sleeps end at once and nothing new is retried. */
  private stopping = false;
  private readonly wakeups = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private shutdownPromise: Promise<void> | undefined;
  private readonly shedder = new SeverityShedder();
  private readonly stats: DeliveryStats;
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
    this.stats = new DeliveryStats();
    ctx.stats.register(name, () => this.stats.read(this.queuedRecords + this.inFlightRecords, 0), { gauges: DeliveryStats.GAUGES });
  }

  private inFlightRecords = 0;

  write(record: LogkitRecord): void {
    this.stats.received++;
    if (this.closed) {
      this.stats.dropped.add('shutdown');
      return;
    }
    try {
      const size = estimateRecordSize(record);
      const { maxQueueRecords, maxQueueBytes } = this.settings.batch;
      if (this.queuedRecords >= maxQueueRecords || this.queuedBytes + size > maxQueueBytes) {
        const victim = this.shedder.evictFor(record, [...this.ready.map((b) => b.records), this.open]);
        this.stats.dropped.add('queue_full');
        if (!victim) return;
        this.queuedRecords--;
        this.queuedBytes -= estimateRecordSize(victim);
      }
      this.open.push(record);
      this.openBytes += size;
      this.queuedRecords++;
      this.queuedBytes += size;
      this.shedder.add(record);
      if (this.open.length >= this.settings.batch.maxRecords || this.openBytes >= this.settings.batch.maxBytes) this.seal();
      else this.timer ??= setTimeout(() => this.seal(), this.settings.batch.delayMs).unref();
    } catch (error) {
      this.stats.failed++;
      diag.error(`otel-logkit: ${this.name}: a record could not be queued`, error);
    }
  }

  forceFlush(): Promise<void> {
    this.seal();
    return this.whenIdle(this.settings.flushTimeoutMs);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.closed = true;
      await this.forceFlush();
      this.stopping = true;
      for (const wake of this.wakeups) wake();
      await this.whenIdle(this.settings.flushTimeoutMs);
      // Whatever is still queued in memory now cannot be delivered by this process.
      if (this.queuedRecords > 0) {
        this.stats.failed += this.queuedRecords;
        this.queuedRecords = 0;
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
    if (this.open.length > 0) {
      this.ready.push({ records: this.open, bytes: this.openBytes });
      this.open = [];
      this.openBytes = 0;
    }
    if (!this.pumpScheduled && this.ready.length > 0) {
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (this.inFlight < this.settings.batch.maxInFlight && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.queuedRecords -= batch.records.length;
      this.queuedBytes -= batch.bytes;
      this.shedder.remove(batch.records);
      this.inFlight++;
      this.inFlightRecords += batch.records.length;
      void this.deliver(batch).then(
        () => this.settle(batch),
        (error: unknown) => {
          this.stats.failed += batch.records.length;
          diag.error(`otel-logkit: ${this.name}: delivery failed unexpectedly`, error);
          this.settle(batch);
        },
      );
    }
    this.notifyIfIdle();
  }

  private settle(batch: Batch): void {
    this.inFlight--;
    this.inFlightRecords -= batch.records.length;
    this.pump();
  }

  /**
   * Sends one batch until it is acknowledged, refused for good, or given up. Every record of the
   * batch ends in exactly one counter: exported, rejected, dead_lettered or failed.
   */
  private async deliver(batch: Batch): Promise<void> {
    const startedAt = Date.now();
    let attempt = 0;
    let records = batch.records;
    let request = batch.request;
    while (true) {
      let verdict: Verdict;
      let response: WireResponse | undefined;
      try {
        request ??= this.protocol.encode(records);
      } catch (error) {
        diag.error(`otel-logkit: ${this.name}: a batch could not be encoded`, error);
        this.refuse(records, 'encode_error');
        return;
      }
      const sentAt = performance.now();
      try {
        response = await this.transport.send(request);
        verdict = this.protocol.classify(response, records);
      } catch (error) {
        verdict = { kind: 'retry', reason: (error as { code?: string }).code ?? 'network_error' };
        diag.warn(`otel-logkit: ${this.name}: ${(error as Error).message}`);
      }
      this.stats.observeLatency(performance.now() - sentAt);
      switch (verdict.kind) {
        case 'ok': {
          const rejected = Math.min(records.length, verdict.rejected ?? 0);
          this.stats.exported += records.length - rejected;
          if (rejected > 0) {
            this.stats.rejected += rejected;
            diag.warn(`otel-logkit: ${this.name}: the backend rejected ${rejected} of ${records.length} records: ${verdict.message ?? 'no reason given'}`);
          }
          return;
        }
        case 'dead-letter':
          this.refuse(records, verdict.reason, response);
          return;
        case 'split': {
          if (records.length <= 1) {
            this.refuse(records, verdict.reason, response);
            return;
          }
          const half = Math.ceil(records.length / 2);
          await this.deliver({ records: records.slice(0, half), bytes: 0 });
          await this.deliver({ records: records.slice(half), bytes: 0 });
          return;
        }
        case 'partial': {
          const retry = verdict.retry.map((i) => records[i]).filter((r): r is LogkitRecord => r !== undefined);
          for (const { index, reason } of verdict.deadLetter) {
            const record = records[index];
            if (record) this.refuse([record], reason, response);
          }
          this.stats.exported += records.length - retry.length - verdict.deadLetter.length;
          if (retry.length === 0) return;
          records = retry;
          request = undefined;
          if (!(await this.backOff(records, startedAt, attempt++, verdict.retryAfterMs, 'partial'))) return;
          break;
        }
        case 'retry':
          if (!(await this.backOff(records, startedAt, attempt++, verdict.retryAfterMs, verdict.reason))) return;
          break;
      }
    }
  }

  /** Waits before the next attempt; false (and the records counted failed) when the batch is given up. */
  private async backOff(records: readonly LogkitRecord[], startedAt: number, attempt: number, retryAfterMs: number | undefined, reason: string): Promise<boolean> {
    if (this.stopping || !this.retry.mayRetry(startedAt, Date.now(), false)) {
      this.stats.failed += records.length;
      diag.error(`otel-logkit: ${this.name}: gave up ${records.length} records after ${attempt + 1} attempts (last: ${reason})`);
      return false;
    }
    this.stats.retried += records.length;
    await this.sleep(this.retry.delayMs(attempt, retryAfterMs));
    return true;
  }

  private refuse(records: readonly LogkitRecord[], reason: string, response?: WireResponse): void {
    if (this.deadLetter?.write(records, { reason, response })) this.stats.deadLettered += records.length;
    else this.stats.failed += records.length;
    diag.error(`otel-logkit: ${this.name}: the backend refused ${records.length} records (${reason})${this.deadLetter ? '' : '; set a dead-letter directory to keep them'}`);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
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
      const timer = setTimeout(finish, timeoutMs);
      timer.unref();
      this.idleWaiters.push(finish);
    });
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.ready.length === 0 && !this.pumpScheduled;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
