import { diag, type Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { PipelineStats, type StatsSection } from '../core/stats.js';

/**
 * A processor that does all its work on the SDK record inside `onEmit` and keeps nothing past it
 * (enrichment, redaction): nothing to flush or shut down, its stage's numbers in `stats()`, and
 * failures reported to diag without ever reaching the caller of `emit`.
 */
export abstract class InPlaceProcessor implements LogRecordProcessor {
  protected readonly pipelineStats = new PipelineStats();

  abstract onEmit(logRecord: ReadWriteLogRecord, context?: Context): void;

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** What the stage did with the records, by section. */
  stats(): Record<string, StatsSection> {
    return this.pipelineStats.snapshot();
  }

  protected report(message: string, error: unknown): void {
    try {
      diag.error(`otel-logkit: ${message}`, error);
    } catch {
      // diag itself failed; the stage's counters still show what happened.
    }
  }
}
