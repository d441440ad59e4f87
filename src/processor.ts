import { diag, type Context, type SeverityNumber } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { isAuditScope } from './core/audit-record.js';
import type { EmitFilter } from './core/emit-filter.js';
import { snapshotRecord, type SnapshotLimits, type SnapshotReport } from './core/record.js';
import type { LogStage } from './core/stage.js';
import type { PipelineStats } from './core/stats.js';

/** `stats().pipeline`: what reached the processor. */
export type PipelineStatsSection = {
  received: number;
  internal_errors: number;
  dropped_after_shutdown: number;
  values_truncated: number;
  values_replaced: number;
};

/**
 * The one SDK `LogRecordProcessor` of the pipeline: it copies each record out of the SDK object (the
 * SDK freezes it when `onEmit` returns) and writes the copy to the first stage. Whatever happens
 * inside — a hostile value, a bug in a stage — `onEmit` returns normally and the failure is counted.
 *
 * Given an {@link EmitFilter} (the sampling stage), it answers the SDK's `enabled()`: false for a record
 * below every threshold with nothing to defer it, so the SDK never builds, copies or enriches it. Such
 * a record is counted where the stage counts its drops (`sampling.dropped.below_threshold`); so is a
 * `logger.enabled()` that answered false, since its caller then skips the record.
 */
export class LogkitProcessor implements LogRecordProcessor {
  private received = 0;
  private internalErrors = 0;
  private afterShutdown = 0;
  private readonly snapshot: SnapshotReport = { truncated: 0, replaced: 0 };
  private closing: Promise<void> | undefined;
  /** The logger and severity `enabled()` last refused, until the next `onEmit`. */
  private refusedScope: InstrumentationScope | undefined;
  private refusedSeverity: SeverityNumber | undefined;

  constructor(
    private readonly head: LogStage,
    private readonly limits: SnapshotLimits,
    stats: PipelineStats,
    private readonly filter?: EmitFilter,
  ) {
    stats.register('pipeline', (): PipelineStatsSection => ({
      received: this.received,
      internal_errors: this.internalErrors,
      dropped_after_shutdown: this.afterShutdown,
      values_truncated: this.snapshot.truncated,
      values_replaced: this.snapshot.replaced,
    }));
  }

  enabled(options: { instrumentationScope: InstrumentationScope; severityNumber?: SeverityNumber }): boolean {
    const filter = this.filter;
    if (filter === undefined || this.closing) return true;
    try {
      // An audit logger's records are never refused (they are never sampled either).
      if (isAuditScope(options.instrumentationScope)) return true;
      if (filter.keeps(options.instrumentationScope.name, options.severityNumber)) return true;
      filter.skipped();
      this.refusedScope = options.instrumentationScope;
      this.refusedSeverity = options.severityNumber;
      return false;
    } catch {
      return true;
    }
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.received++;
    if (this.closing) {
      this.afterShutdown++;
      return;
    }
    try {
      if (this.refusedScope !== undefined && this.refusedEarlier(logRecord)) return;
      this.head.write(snapshotRecord(logRecord, this.limits, this.snapshot), context);
    } catch (error) {
      this.internalErrors++;
      try {
        diag.error('otel-logkit: a record could not be processed', error);
      } catch {
        // diag itself failed; the counter above still shows the loss.
      }
    }
  }

  /**
   * Another processor of the provider wanted a record ours refused: it was counted when refused, so
   * it is not written (the stage would only drop and count it again). Asked again, so a refusal left
   * over from a `logger.enabled()` call never costs a record the rules now keep.
   */
  private refusedEarlier(logRecord: ReadWriteLogRecord): boolean {
    const same = logRecord.instrumentationScope === this.refusedScope && logRecord.severityNumber === this.refusedSeverity;
    this.refusedScope = undefined;
    return same && !this.filter!.keeps(logRecord.instrumentationScope.name, logRecord.severityNumber);
  }

  forceFlush(): Promise<void> {
    return this.head.forceFlush().catch((error: unknown) => diag.error('otel-logkit: forceFlush failed', error));
  }

  shutdown(): Promise<void> {
    this.closing ??= this.head.shutdown().catch((error: unknown) => diag.error('otel-logkit: shutdown failed', error));
    return this.closing;
  }
}
