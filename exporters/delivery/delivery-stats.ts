import type { ReasonCounts } from '../../src/core/stats.js';
import { DeliveryReasonCounter, type DeliveryReason } from './reasons.js';

const LATENCY_WINDOW = 256;

/**
 * One destination of the delivery core (`stats().otlp`, `stats().loki_tenant_security`, …). Every
 * record received ends in exactly one of exported, rejected, dead_lettered, failed or dropped, or is
 * still queued (memory, on the wire) or spooled.
 */
export type DeliveryStatsSection = {
  received: number;
  exported: number;
  failed: number;
  retried: number;
  spooled: number;
  replayed: number;
  dead_lettered: number;
  rejected: number;
  spool_damaged: number;
  /** Spool I/O errors (disk full, directory removed …): counted, delivery went on from memory. */
  spool_errors: number;
  dropped: ReasonCounts;
  failed_reasons: ReasonCounts;
  dead_lettered_reasons: ReasonCounts;
  queued: number;
  /** Bytes the memory queue holds (not on the wire): with `queued`, how full it is against its bounds. */
  queued_bytes: number;
  spool_records: number;
  spool_bytes: number;
  export_latency_ms: number;
  export_latency_p99_ms: number;
  /** Requests allowed in flight now (adaptive concurrency; `OTEL_LOGKIT_MAX_IN_FLIGHT` when off). */
  in_flight_limit: number;
};

/**
 * One destination's numbers. Every record received ends in exactly one of exported, rejected,
 * dead_lettered, failed or dropped, or is still queued / spooled. Dead-lettered, failed and dropped
 * records are also broken down by {@link DeliveryReason} (`failed_reasons.unavailable`), so an
 * operator sees why without reading diagnostics; `failed` and `dead_lettered` stay plain totals.
 */
export class DeliveryStats {
  static readonly GAUGES = ['queued', 'queued_bytes', 'spool_records', 'spool_bytes', 'in_flight_limit', 'export_latency_ms', 'export_latency_p99_ms'];

  received = 0;
  exported = 0;
  retried = 0;
  spooled = 0;
  replayed = 0;
  rejected = 0;
  /** Damaged places found in the spool at startup (torn or corrupt tails). */
  spoolDamaged = 0;
  /** I/O errors of the spool while running (each one counted; records it cost are in dropped/failed `spool_error`). */
  spoolErrors = 0;
  readonly dropped = new DeliveryReasonCounter();
  private readonly failures = new DeliveryReasonCounter();
  private readonly deadLetters = new DeliveryReasonCounter();

  /** Records given up: retries exhausted, a refusal with no dead-letter directory, a bug. */
  fail(reason: DeliveryReason, records: number): void {
    if (records > 0) this.failures.add(reason, records);
  }

  /** Records refused for good and kept in the dead-letter directory. */
  deadLetter(reason: DeliveryReason, records: number): void {
    if (records > 0) this.deadLetters.add(reason, records);
  }

  get failed(): number {
    return this.failures.total;
  }

  get deadLettered(): number {
    return this.deadLetters.total;
  }
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;

  observeLatency(ms: number): void {
    this.latencies[this.latencyCount++ % LATENCY_WINDOW] = ms;
  }

  /**
   * `queued`: records in memory and on the wire; `queuedBytes`: bytes in memory, not on the wire; `spoolRecords`/`spoolBytes`: what waits on disk (each
   * record in one of them only); `inFlightLimit`: the requests adaptive concurrency allows right now.
   */
  read(queued: number, queuedBytes: number, spoolRecords: number, spoolBytes: number, inFlightLimit: number): DeliveryStatsSection {
    return {
      received: this.received,
      exported: this.exported,
      failed: this.failed,
      retried: this.retried,
      spooled: this.spooled,
      replayed: this.replayed,
      dead_lettered: this.deadLettered,
      rejected: this.rejected,
      spool_damaged: this.spoolDamaged,
      spool_errors: this.spoolErrors,
      dropped: this.dropped.toJSON(),
      failed_reasons: this.failures.toJSON(),
      dead_lettered_reasons: this.deadLetters.toJSON(),
      queued,
      queued_bytes: queuedBytes,
      spool_records: spoolRecords,
      spool_bytes: spoolBytes,
      in_flight_limit: inFlightLimit,
      export_latency_ms: this.latencyCount === 0 ? 0 : round(this.latencies[(this.latencyCount - 1) % LATENCY_WINDOW]!),
      export_latency_p99_ms: this.p99(),
    };
  }

  /** The 99th percentile of the last 256 requests. */
  private p99(): number {
    const n = Math.min(this.latencyCount, LATENCY_WINDOW);
    if (n === 0) return 0;
    const sorted = this.latencies.slice(0, n).sort();
    return round(sorted[Math.min(n - 1, Math.floor(n * 0.99))]!);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
