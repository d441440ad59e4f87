import type { Context, SeverityNumber } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { defaultResource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { parseSamplingConfig, type SamplingOptions } from '../../processors/sampling/config.js';
import { createSamplingStage, type SamplingStage } from '../../processors/sampling/index.js';
import { type Env, SettingsReader } from '../core/env.js';
import { DEFAULT_SNAPSHOT_LIMITS, type LogkitRecord } from '../core/record.js';
import type { LogStage, WriteVerdict } from '../core/stage.js';
import { PipelineStats, type StatsSection } from '../core/stats.js';
import { LogkitProcessor } from '../processor.js';
import { emitTo, ReleasedLogRecord } from './sdk-record.js';

export interface SamplingProcessorOptions extends SamplingOptions {
  /**
   * The processors that receive what sampling keeps, in order: typically the redaction processor and
   * a `BatchLogRecordProcessor`. Sampling owns them: its `forceFlush`/`shutdown` reach them.
   */
  next: readonly LogRecordProcessor[];
  /** The environment to read instead of `process.env` (`OTEL_LOGKIT_LEVEL`, `OTEL_LOGKIT_DEFERRED_*` …). */
  env?: Env;
}

/**
 * Our sampling stage — thresholds per logger and per execution, ratios per trace, rate limits, and
 * deferred logging — as a standard SDK `LogRecordProcessor`.
 *
 * Why it wraps the processors after it (`next`) instead of sitting beside them in the provider's
 * list: the SDK hands every processor of its list every record, so a processor cannot drop a record
 * for the others; and deferral releases a record long after its `onEmit`, when the SDK has frozen its
 * own record. So sampling decides what `next` sees: a record it keeps is passed on as the SDK's own
 * record, during the same `onEmit` (processors in `next` may still modify it); a record it held is
 * copied when held and, when its execution fails, passed on as that copy (a {@link ReleasedLogRecord},
 * writable like the SDK's, marked `logkit.deferred: true`, with its original timestamps and order).
 * Processors listed beside it in the provider see every record, sampled or not.
 *
 * Its `enabled()` answers the SDK's question "would anyone keep this?", so `logger.emit` skips
 * building records below every threshold when deferral is off. `setLevel` changes a threshold at runtime.
 *
 * @example
 * const sdk = new NodeSDK({
 *   logRecordProcessors: [
 *     new EnrichmentLogRecordProcessor(),
 *     new SamplingLogRecordProcessor({ level: 'info', next: [new RedactionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter })] }),
 *   ],
 * });
 */
export class SamplingLogRecordProcessor implements LogRecordProcessor {
  private readonly stage: SamplingStage;
  private readonly inner: LogkitProcessor;
  private readonly pipelineStats = new PipelineStats();
  private readonly next: readonly LogRecordProcessor[];
  /** The SDK record of the `onEmit` under way, passed on as itself when sampling keeps it. */
  private current: ReadWriteLogRecord | undefined;
  private released = 0;
  private nextErrors = 0;

  constructor(options: SamplingProcessorOptions) {
    const { env, next, ...own } = options;
    this.next = [...(next ?? [])];
    const config = parseSamplingConfig(new SettingsReader(env ?? process.env), own);
    const forward: LogStage = {
      write: (record, context) => this.forward(record, context),
      forceFlush: async () => void (await Promise.all(this.next.map((p) => p.forceFlush()))),
      shutdown: async () => void (await Promise.all(this.next.map((p) => p.shutdown()))),
    };
    this.stage = createSamplingStage(config, { stats: this.pipelineStats, resource: defaultResource() }, forward);
    // The one copy-and-guard of the pipeline: copies each record (deferral must hold a copy), never throws.
    this.inner = new LogkitProcessor(this.stage, DEFAULT_SNAPSHOT_LIMITS, this.pipelineStats, this.stage);
    this.pipelineStats.register('next', () => ({ released: this.released, errors: this.nextErrors }));
  }

  enabled(options: { context: Context; instrumentationScope: InstrumentationScope; severityNumber?: SeverityNumber; eventName?: string }): boolean {
    return this.inner.enabled(options);
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.current = logRecord;
    try {
      this.inner.onEmit(logRecord, context);
    } finally {
      this.current = undefined;
    }
  }

  /** Changes a threshold at runtime: `pattern` a logger-name pattern or `*`; `level` a severity or `default`. */
  setLevel(pattern: string, level: SeverityNumber | string): void {
    this.stage.setLevel(pattern, level);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  /** Discards what is still held (counted), then shuts down every processor in `next`. Idempotent. */
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  /** `sampling` (passed, dropped by reason, deferred), `deferred` (held, flushed, discarded), `pipeline`, `next`. */
  stats(): Record<string, StatsSection> {
    return this.pipelineStats.snapshot();
  }

  private forward(record: LogkitRecord, context: Context | undefined): WriteVerdict {
    const current = this.current;
    // Our copy of the record being emitted shares its timestamp array with the SDK record: that one
    // goes on as the SDK's own, still writable. Anything else (a released history, an audit record) is a copy.
    const sdkRecord = current !== undefined && current.hrTime === record.hrTime ? current : new ReleasedLogRecord(record);
    if (sdkRecord !== current) this.released++;
    emitTo(this.next, sdkRecord, context, () => this.nextErrors++);
    return 'taken';
  }
}
