import { diag, type Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { snapshotRecord, type SnapshotLimits, type SnapshotReport } from './core/record.js';
import type { LogStage } from './core/stage.js';
import type { PipelineStats } from './core/stats.js';

/**
 * The one SDK `LogRecordProcessor` of the pipeline: it copies each record out of the SDK object (the
 * SDK freezes it when `onEmit` returns) and writes the copy to the first stage. Whatever happens
 * inside — a hostile value, a bug in a stage — `onEmit` returns normally and the failure is counted.
 */
export class LogkitProcessor implements LogRecordProcessor {
  private received = 0;
  private internalErrors = 0;
  private afterShutdown = 0;
  private readonly snapshot: SnapshotReport = { truncated: 0, replaced: 0 };
  private closing: Promise<void> | undefined;

  constructor(
    private readonly head: LogStage,
    private readonly limits: SnapshotLimits,
    stats: PipelineStats,
  ) {
    stats.register('pipeline', () => ({
      received: this.received,
      internal_errors: this.internalErrors,
      dropped_after_shutdown: this.afterShutdown,
      values_truncated: this.snapshot.truncated,
      values_replaced: this.snapshot.replaced,
    }));
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.received++;
    if (this.closing) {
      this.afterShutdown++;
      return;
    }
    try {
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

  forceFlush(): Promise<void> {
    return this.head.forceFlush().catch((error: unknown) => diag.error('otel-logkit: forceFlush failed', error));
  }

  shutdown(): Promise<void> {
    this.closing ??= this.head.shutdown().catch((error: unknown) => diag.error('otel-logkit: shutdown failed', error));
    return this.closing;
  }
}
