import type { SeverityNumber } from '@opentelemetry/api';

/**
 * What the SDK processor asks before the SDK builds a record (`LogRecordProcessor.enabled`, which
 * `logger.emit` and `logger.enabled()` consult): would the pipeline keep, or hold, a record of this
 * logger and severity emitted here and now? The sampling stage answers, from the thresholds in force,
 * the current execution's level and whether deferral would hold the record.
 *
 * @example
 * if (!filter.keeps('billing', SeverityNumber.DEBUG)) filter.skipped(); // the SDK builds nothing
 */
export interface EmitFilter {
  /**
   * False only when such a record would certainly be dropped; when in doubt, true. A record without a
   * severity counts as INFO. Called on every emit: no allocation, no I/O.
   */
  keeps(loggerName: string, severityNumber: SeverityNumber | undefined): boolean;
  /** Counts one record not built because `keeps` said false, as the stage counts the records it drops. */
  skipped(): void;
}
