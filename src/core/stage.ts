import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { BackendHealth } from './backend-health.js';
import type { LogkitRecord } from './record.js';
import type { PipelineStats } from './stats.js';

/**
 * One step of the pipeline: enrichment, sampling, redaction, export. Stages are chained; each one
 * owns the records written to it and hands them to the next stage (or holds, drops, routes them).
 *
 * Contract: `write` never throws and never blocks; `context` is the OTel context of the emit call
 * (absent when a stage replays records later, e.g. a deferred flush). `shutdown` is idempotent.
 */
export interface LogStage {
  write(record: LogkitRecord, context?: Context): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** What every stage factory is given besides its own config section and the next stage. */
export interface StageContext {
  readonly stats: PipelineStats;
  /** The resource of this pipeline, for records a stage makes itself (e.g. audit records). */
  readonly resource: Resource;
  /** Which backends answer: transports report to it; the pipeline reads it at exit. Absent in bare tests. */
  readonly health?: BackendHealth;
  /**
   * Aborted when the exit flush stops waiting (OTEL_LOGKIT_EXIT_TIMEOUT, or every pending backend
   * down): a stage holding a flush or shutdown open should stop waiting, give up what it still
   * retries (counted, or left in the spool) and release its timers, so the process can end.
   */
  readonly exitSignal?: AbortSignal;
}
