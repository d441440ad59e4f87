import type { Context } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';

/** The enrichment stage. (Placeholder: passes records through until the enrichment issue lands.) */
export function createEnrichmentStage(_ctx: StageContext, next: LogStage): LogStage {
  return {
    write: (record: LogkitRecord, context?: Context) => next.write(record, context),
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
