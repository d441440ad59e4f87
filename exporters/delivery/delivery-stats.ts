import type { StatsSection } from '../../src/core/stats.js';
import { ReasonCounter } from '../../src/core/stats.js';

const LATENCY_WINDOW = 256;

/**
 * One destination's numbers. Every record received ends in exactly one of exported, rejected,
 * dead_lettered, failed or dropped (by reason), or is still queued / spooled.
 */
export class DeliveryStats {
  static readonly GAUGES = ['queued', 'spool_records', 'spool_bytes', 'export_latency_ms', 'export_latency_p99_ms'];

  received = 0;
  exported = 0;
  failed = 0;
  retried = 0;
  spooled = 0;
  replayed = 0;
  deadLettered = 0;
  rejected = 0;
  /** Damaged places found in the spool at startup (torn or corrupt tails). */
  spoolDamaged = 0;
  readonly dropped = new ReasonCounter();
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;

  observeLatency(ms: number): void {
    this.latencies[this.latencyCount++ % LATENCY_WINDOW] = ms;
  }

  /** `queued`: records in memory and on the wire; `spoolRecords`/`spoolBytes`: what waits on disk. */
  read(queued: number, spoolRecords: number, spoolBytes: number): StatsSection {
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
      dropped: this.dropped.toJSON(),
      queued,
      spool_records: spoolRecords,
      spool_bytes: spoolBytes,
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
