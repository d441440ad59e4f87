import type { Context, SeverityNumber } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';

/** The sampling stage, with runtime threshold control. */
export interface SamplingStage extends LogStage {
  setLevel(pattern: string, level: SeverityNumber | string): void;
}

/** The sampling stage. (Placeholder: passes records through until the sampling issue lands.) */
export function createSamplingStage(_ctx: StageContext, next: LogStage): SamplingStage {
  return {
    write: (record: LogkitRecord, context?: Context) => next.write(record, context),
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
    setLevel: () => {},
  };
}
