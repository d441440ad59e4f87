import type { AnyValue, Attributes, Context } from '@opentelemetry/api';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { copyValue, DEFAULT_SNAPSHOT_LIMITS, type LogkitRecord, type LogMap, type LogValue, type SnapshotReport } from '../core/record.js';
import type { LogStage } from '../core/stage.js';

/**
 * How a stage works on an SDK record inside `onEmit`: the stage gets a {@link LogkitRecord} whose
 * attributes are a copy of the SDK record's, rewrites it as it would inside our pipeline, and
 * {@link writeBack} applies what changed to the SDK record through its own setters (`setAttribute`,
 * `setBody`), so the SDK's attribute limits apply and every later processor sees the result.
 *
 * `copies`: maps and arrays are copied too, under the pipeline's value limits, counted in the
 * report — redaction rewrites them in place, and they may belong to the application. Strings and
 * numbers are immutable and stay as they are. Without it the copy is shallow, enough for a stage that
 * only adds attributes.
 */
export function stageView(record: ReadWriteLogRecord, copies?: SnapshotReport): LogkitRecord {
  const attributes: LogMap = {};
  const source = record.attributes as Record<string, unknown>;
  for (const key in source) attributes[key] = copies ? ownCopy(source[key], copies) : (source[key] as LogValue);
  return {
    hrTime: record.hrTime,
    hrTimeObserved: record.hrTimeObserved,
    spanContext: record.spanContext,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    body: copies ? ownCopy(record.body, copies) : (record.body as LogValue),
    eventName: record.eventName,
    resource: record.resource,
    instrumentationScope: record.instrumentationScope,
    attributes,
    droppedAttributesCount: record.droppedAttributesCount,
  };
}

function ownCopy(value: unknown, copies: SnapshotReport): LogValue {
  return typeof value === 'object' && value !== null ? copyValue(value, DEFAULT_SNAPSHOT_LIMITS, copies) : (value as LogValue);
}

/**
 * Applies a stage's changes to the SDK record: changed and added attributes through `setAttribute`,
 * removed ones deleted (the SDK has no setter for that; `onEmit` may still modify the record), a new
 * body through `setBody`. Values equal to what the record holds are left alone.
 */
export function writeBack(record: ReadWriteLogRecord, view: LogkitRecord, original: { body: unknown; attributes: Attributes }): void {
  const before = original.attributes as Record<string, unknown>;
  const after = view.attributes;
  for (const key in after) {
    const value = after[key];
    if (value !== before[key]) record.setAttribute(key, value as AnyValue);
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) delete (record.attributes as Record<string, unknown>)[key];
  }
  if (view.body !== original.body) record.setBody(view.body as AnyValue);
}

/** The end of a stage used alone inside an SDK processor: the processor itself takes the record on. */
export const END_OF_STAGE: LogStage = {
  write: () => 'taken',
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * A record our stage held past `onEmit` (a deferred record released later), handed to the next SDK
 * processors. The SDK's own record is frozen by then, so this is our copy, writable through the same
 * setters while the next processors' `onEmit` runs; it is the SDK's `ReadWriteLogRecord` shape, so
 * stock processors and exporters take it as their own.
 */
export class ReleasedLogRecord implements ReadWriteLogRecord {
  hrTime;
  hrTimeObserved;
  spanContext;
  readonly resource;
  readonly instrumentationScope;
  readonly attributes: Attributes;
  severityText;
  severityNumber;
  body;
  eventName;
  droppedAttributesCount;

  constructor(record: LogkitRecord) {
    this.hrTime = record.hrTime;
    this.hrTimeObserved = record.hrTimeObserved;
    this.spanContext = record.spanContext;
    this.resource = record.resource;
    this.instrumentationScope = record.instrumentationScope;
    this.attributes = record.attributes as Attributes;
    this.severityText = record.severityText;
    this.severityNumber = record.severityNumber;
    this.body = record.body as AnyValue;
    this.eventName = record.eventName;
    this.droppedAttributesCount = record.droppedAttributesCount;
  }

  setAttribute(key: string, value?: AnyValue): this {
    if (value === undefined) delete (this.attributes as Record<string, unknown>)[key];
    else (this.attributes as Record<string, unknown>)[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  setBody(body: AnyValue): this {
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: ReadWriteLogRecord['severityNumber'] & {}): this {
    this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    this.severityText = severityText;
    return this;
  }
}

/** `onEmit` to each of `processors` in turn; one that throws does not keep the record from the others. */
export function emitTo(processors: readonly { onEmit(record: ReadWriteLogRecord, context?: Context): void }[], record: ReadWriteLogRecord, context: Context | undefined, failed: () => void): void {
  for (const processor of processors) {
    try {
      processor.onEmit(record, context);
    } catch {
      failed();
    }
  }
}
