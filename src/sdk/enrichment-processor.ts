import type { Context } from '@opentelemetry/api';
import { defaultResource } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { parseEnrichmentConfig, type EnrichmentOptions } from '../../processors/enrichment/config.js';
import { createEnrichmentStage } from '../../processors/enrichment/index.js';
import { type Env, SettingsReader } from '../core/env.js';
import { configureExecutions } from '../core/execution.js';
import type { LogStage } from '../core/stage.js';
import { InPlaceProcessor } from './in-place-processor.js';
import { END_OF_STAGE, stageView, writeBack } from './sdk-record.js';

export interface EnrichmentProcessorOptions extends EnrichmentOptions {
  /** The environment to read instead of `process.env` (`OTEL_LOGKIT_TAGS`, `OTEL_LOGKIT_BAGGAGE_KEYS` …). */
  env?: Env;
}

/**
 * Our enrichment stage as a standard SDK `LogRecordProcessor`: in `onEmit` it adds the correlation ids
 * and sequence number of the current execution (or of the active trace), `log.record.uid`, the
 * execution's user/consumer/session, tags and allow-listed baggage to the SDK record itself (through
 * `setAttribute`), so every processor after it — ours or stock — sees them. Same code, same rules as
 * inside `createLogPipeline`; it keeps nothing past `onEmit`.
 *
 * @example
 * const sdk = new NodeSDK({
 *   logRecordProcessors: [new EnrichmentLogRecordProcessor({ tags: ['#shop'] }), new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
 * });
 */
export class EnrichmentLogRecordProcessor extends InPlaceProcessor {
  private readonly stage: LogStage;
  private internalErrors = 0;

  constructor(options: EnrichmentProcessorOptions = {}) {
    super();
    const { env, ...own } = options;
    const config = parseEnrichmentConfig(new SettingsReader(env ?? process.env), own);
    // Assembly's job: the execution context is per process (see configureExecutions).
    configureExecutions({ globalIdFromTrace: config.globalIdFromTrace });
    this.stage = createEnrichmentStage(config, { stats: this.pipelineStats, resource: defaultResource() }, END_OF_STAGE);
    this.pipelineStats.register('processor', () => ({ internal_errors: this.internalErrors }));
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    try {
      const original = { body: logRecord.body, attributes: logRecord.attributes };
      const view = stageView(logRecord);
      this.stage.write(view, context);
      writeBack(logRecord, view, original);
    } catch (error) {
      this.internalErrors++;
      this.report('enrichment failed for a record', error);
    }
  }
}
