import { diag, type Context } from '@opentelemetry/api';
import { defaultResource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { parseEnrichmentConfig, type EnrichmentOptions } from '../../processors/enrichment/config.js';
import { createEnrichmentStage } from '../../processors/enrichment/index.js';
import { type Env, SettingsReader } from '../core/env.js';
import { configureExecutions } from '../core/execution.js';
import type { LogStage } from '../core/stage.js';
import { PipelineStats, type StatsSection } from '../core/stats.js';
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
export class EnrichmentLogRecordProcessor implements LogRecordProcessor {
  private readonly stage: LogStage;
  private readonly pipelineStats = new PipelineStats();
  private internalErrors = 0;

  constructor(options: EnrichmentProcessorOptions = {}) {
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
      const view = stageView(logRecord, false);
      this.stage.write(view, context);
      writeBack(logRecord, view, original);
    } catch (error) {
      this.internalErrors++;
      try {
        diag.error('otel-logkit: enrichment failed for a record', error);
      } catch {
        // the counter shows it
      }
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** `enrichment`: records, in_execution, in_span_only, uncorrelated …; `processor`: internal_errors. */
  stats(): Record<string, StatsSection> {
    return this.pipelineStats.snapshot();
  }
}
