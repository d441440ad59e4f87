import type { Context } from '@opentelemetry/api';
import { defaultResource } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createRedactionStage, parseRedactionConfig, type RedactionOptions } from '../../processors/redaction/index.js';
import { type Env, SettingsReader } from '../core/env.js';
import type { LogkitRecord, SnapshotReport } from '../core/record.js';
import type { LogStage } from '../core/stage.js';
import { InPlaceProcessor } from './in-place-processor.js';
import { stageView, writeBack } from './sdk-record.js';

export interface RedactionProcessorOptions extends RedactionOptions {
  /** The environment to read instead of `process.env` (`OTEL_LOGKIT_REDACT_*`). */
  env?: Env;
}

/** What a record that could not be redacted carries instead of its body (its attributes are removed). */
export const UNREDACTABLE_BODY = '[otel-logkit: record withheld, redaction failed]';

/**
 * Our redaction stage as a standard SDK `LogRecordProcessor`. In `onEmit` it redacts a copy of the
 * record's body and attributes with the configured key rules and detectors and writes the result
 * back to the SDK record (`setAttribute`, `setBody`; removed attributes are deleted) before
 * `onEmit` returns — so every processor after it in the provider's list, and every exporter, sees
 * only the redacted record. Put it before the processors that export: a stock
 * `SimpleLogRecordProcessor` placed before it has already exported the original.
 *
 * If redaction fails on a record, the record is not passed on unredacted: its body is replaced by
 * {@link UNREDACTABLE_BODY} and its attributes removed (counted `redaction.dropped.internal_error`).
 *
 * @example
 * const provider = new LoggerProvider({
 *   processors: [new RedactionLogRecordProcessor({ blockedKeys: ['x-api-key'] }), new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
 * });
 */
export class RedactionLogRecordProcessor extends InPlaceProcessor {
  private readonly stage: LogStage;
  /** The record the stage passed on for the current `onEmit`; unset when the stage withheld it. */
  private passed: LogkitRecord | undefined;
  /** What copying hostile values changed (cut strings, replaced cycles), as the pipeline counts it. */
  private readonly copies: SnapshotReport = { truncated: 0, replaced: 0 };

  constructor(options: RedactionProcessorOptions = {}) {
    super();
    const { env, ...own } = options;
    const config = parseRedactionConfig(new SettingsReader(env ?? process.env), own);
    const end: LogStage = { write: (record) => {
        this.passed = record;
        return 'taken';
      }, forceFlush: async () => {}, shutdown: async () => {} };
    this.stage = createRedactionStage(config, { stats: this.pipelineStats, resource: defaultResource() }, end);
    this.pipelineStats.register('processor', () => ({ values_truncated: this.copies.truncated, values_replaced: this.copies.replaced }));
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.passed = undefined;
    try {
      const original = { body: logRecord.body, attributes: { ...logRecord.attributes } };
      const view = stageView(logRecord, this.copies);
      this.stage.write(view, context);
      if (this.passed === view) writeBack(logRecord, view, original);
      else withhold(logRecord);
    } catch (error) {
      withhold(logRecord);
      this.report('redaction failed; the record was emptied rather than passed on unredacted', error);
    }
  }
}

function withhold(logRecord: ReadWriteLogRecord): void {
  try {
    logRecord.setBody(UNREDACTABLE_BODY);
    for (const key of Object.keys(logRecord.attributes)) delete (logRecord.attributes as Record<string, unknown>)[key];
  } catch {
    // A record that cannot even be emptied: nothing more can be done here.
  }
}
