import { SeverityNumber } from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTES, DEFERRAL_ATTRIBUTES } from '../../../src/core/attributes.js';
import type { Execution } from '../../../src/core/execution.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import type { StageContext } from '../../../src/core/stage.js';

/** Marks a record a service forwarded instead of holding: the collector holds it (tail deferral). */
/** On the marker record a forwarding service sends when an execution ends failed: `failed`. */

/** The part of a deferral buffer the sampling stage calls. */
export interface Deferral {
  hold(record: LogkitRecord, execution: Execution | undefined): boolean;
  releaseExecution(execution: Execution): void;
  releaseGlobal(): void;
  releaseTrace(traceId: string): void;
  /** The process is crashing: every unfinished unit of work failed. */
  releaseAll(): void;
  ended(execution: Execution): void;
  shutdown(): void;
}

/**
 * Deferral forwarded to a collector (`OTEL_LOGKIT_DEFERRED_FORWARD=true`): a record below the
 * threshold is sent at once, marked `logkit.deferred.held: true`, and the collector holds it with the
 * held records of every other service of the same correlation id. Nothing is held in this process,
 * so there is nothing to release here; when an execution ends failed, one small marker record
 * (`logkit.execution.outcome: failed`, with its global id) tells the collector to release the id.
 */
export class ForwardingDeferral implements Deferral {
  private forwarded = 0;
  private markers = 0;

  constructor(
    private readonly emit: (record: LogkitRecord) => void,
    private readonly ctx: StageContext,
  ) {
    ctx.stats.register('deferred', () => ({ forwarded: this.forwarded, failure_markers: this.markers }));
  }

  hold(record: LogkitRecord, _execution: Execution | undefined): boolean {
    record.attributes[DEFERRAL_ATTRIBUTES.held] = true;
    this.forwarded++;
    this.emit(record);
    return true;
  }

  ended(execution: Execution): void {
    if (execution.outcome !== 'failed') return;
    // A nested execution of the same request says it once, its root says it again: cheap, and idempotent at the collector.
    this.markers++;
    this.emit(failureMarker(execution, this.ctx));
  }

  releaseExecution(): void {}
  releaseGlobal(): void {}
  releaseTrace(): void {}
  // Nothing is held in this process; a crash sends no marker, so the collector's window decides.
  releaseAll(): void {}
  shutdown(): void {}
}

function failureMarker(execution: Execution, ctx: StageContext): LogkitRecord {
  const now = Date.now();
  const hrTime: [number, number] = [Math.floor(now / 1000), (now % 1000) * 1e6];
  return {
    hrTime,
    hrTimeObserved: hrTime,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'execution failed',
    resource: ctx.resource,
    instrumentationScope: { name: 'otel-logkit' },
    attributes: { [CORRELATION_ATTRIBUTES.globalId]: execution.globalId, [CORRELATION_ATTRIBUTES.localId]: execution.localId, [DEFERRAL_ATTRIBUTES.outcome]: 'failed' },
    droppedAttributesCount: 0,
  };
}
