import type { Context } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';

/** The redaction stage. (Placeholder: passes records through until the redaction issue lands.) */
export function createRedactionStage(_ctx: StageContext, next: LogStage): LogStage {
  return {
    write: (record: LogkitRecord, context?: Context) => next.write(record, context),
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
