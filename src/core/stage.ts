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
  /** Takes the record; says synchronously what became of it (see {@link WriteVerdict}). */
  write(record: LogkitRecord, context?: Context): WriteVerdict;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * What became of a written record, as far as is known when `write` returns — so a caller that must
 * answer a sender (the collector) knows without reading counters:
 * - `taken`: the pipeline has it: queued in memory or on the spool, held for a unit of work, or in
 *   the hand-over to the delivery worker;
 * - `refused`: dropped on purpose by a rule (threshold, ratio, rate limit, a redaction rule), counted;
 * - `lost`: no room for it (a full queue, a stage that failed), counted.
 * A stage that hands a record on returns what the next stage said; a fan-out returns the worst.
 */
export type WriteVerdict = 'taken' | 'refused' | 'lost';

/** The worse of two verdicts for one record sent two ways: lost over taken over refused. */
export function worseVerdict(a: WriteVerdict, b: WriteVerdict): WriteVerdict {
  if (a === 'lost' || b === 'lost') return 'lost';
  return a === 'taken' || b === 'taken' ? 'taken' : 'refused';
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
  /**
   * How full the fullest destination queue (memory or spool) is, 0..1, as last seen (refreshed every
   * ~50 ms, so reading it per record costs a number). Absent when nothing measures it (bare tests).
   */
  readonly pressure?: () => number;
  /**
   * The form a record takes while a stage holds it past `write` (deferral): its encoded bytes, a few
   * hundred bytes in one buffer instead of a graph of objects that outlives the young generation.
   * Whatever reads the held record later reads it through those bytes (see RecordBytes); a changed
   * field decodes it. Absent (bare tests): records are held as they are.
   */
  readonly holdingForm?: (record: LogkitRecord) => LogkitRecord;
}
