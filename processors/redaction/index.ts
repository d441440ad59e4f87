import { diag, type Context } from '@opentelemetry/api';
import { recordBytesOf } from '../../src/core/record-encoding.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { ReasonCounter, type ReasonCounts } from '../../src/core/stats.js';
import { Redactor } from './redactor.js';
import { summaryAttributes } from './summary.js';

export { Redactor, type RedactableRecord } from './redactor.js';
export { RedactionSummary, REDACTION_COUNT_ATTRIBUTE, REDACTION_KINDS_ATTRIBUTE } from './summary.js';
export { parseRedactionConfig, type RedactionConfig, type RedactionOptions } from './config.js';
import type { RedactionConfig } from './config.js';
export { REDACTION_ACTIONS, type RedactionAction } from './actions.js';
export { DEFAULT_BLOCKED_KEYS } from './key-rules.js';
export { DETECTOR_NAMES, DEFAULT_DETECTORS } from './detectors/index.js';
export { detectorCatalogue, type CatalogueEntry } from './detectors/catalogue.js';
export { DEFAULT_URL_ATTRIBUTES, DEFAULT_DB_ATTRIBUTES } from './config.js';
export { sanitizeUrlValue } from './sanitizers/url.js';
export { sanitizeDbStatement } from './sanitizers/db-statement.js';

/** `stats().redaction`: records changed, values replaced, by kind. */
export type RedactionStatsSection = {
  records: number;
  values: number;
  kinds: ReasonCounts;
  dropped: ReasonCounts;
};

/**
 * The redaction stage. It sits after sampling and before the export stage, so every record that can
 * reach an exporter, the disk spool, a dead-letter file or the console has passed through it. Records
 * are redacted in place (the pipeline owns its copy). If redaction itself fails on a record, the
 * record is dropped and counted rather than sent unredacted.
 *
 * Stats section `redaction`: `records` (records changed), `values` (secrets replaced or removed),
 * `kinds` (values by kind), `dropped` (by reason).
 */
export function createRedactionStage(config: RedactionConfig, ctx: StageContext, next: LogStage): LogStage {
  const kinds = new ReasonCounter();
  const dropped = new ReasonCounter();
  let records = 0;
  ctx.stats.register('redaction', (): RedactionStatsSection => ({ records, values: kinds.total, kinds: kinds.toJSON(), dropped: dropped.toJSON() }));
  if (!config.enabled) return next;
  const redactor = new Redactor(config);
  return {
    write(record: LogkitRecord, context?: Context): WriteVerdict {
      let summary;
      try {
        // A record that is still bytes is read in place; only one that must change is decoded.
        const bytes = recordBytesOf(record);
        if (bytes !== undefined && !redactor.finds(bytes)) return next.write(record, context);
        summary = redactor.redactRecord(record);
      } catch (error) {
        dropped.add('internal_error');
        diag.error('otel-logkit: redaction failed; the record was dropped rather than sent unredacted', error);
        // A policy decision: the same record would fail again, so a sender must not retry it.
        return 'refused';
      }
      if (summary) {
        records++;
        for (const kind in summary.kinds) kinds.add(kind, summary.kinds[kind]);
        if (config.summary) Object.assign(record.attributes, summaryAttributes(summary));
      }
      return next.write(record, context);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
