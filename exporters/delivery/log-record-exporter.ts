import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { defaultResource } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BackendHealth } from '../../src/core/backend-health.js';
import { type Env, SettingsReader } from '../../src/core/env.js';
import { LogkitError } from '../../src/core/errors.js';
import { DEFAULT_SNAPSHOT_LIMITS, snapshotRecord, type SnapshotReport } from '../../src/core/record.js';
import type { LogStage } from '../../src/core/stage.js';
import { PipelineStats, type StatsSection } from '../../src/core/stats.js';
import { parseDeliverySettings, settingsFor, type DeliverySettingsOptions } from './config.js';
import type { DestinationDescriptor } from './descriptor.js';

/** What every destination exporter takes besides its own options: the delivery core's settings and the environment. */
export interface DestinationExporterOptions {
  /** Batching, spool, dead-letter and retries; each overrides its variable (`OTEL_LOGKIT_SPOOL_DIR`, …). */
  delivery?: DeliverySettingsOptions;
  /** The environment to read instead of `process.env`. */
  env?: Env;
}

/**
 * One of our destinations as an SDK `LogRecordExporter`, for the stock `BatchLogRecordProcessor` (or
 * `SimpleLogRecordProcessor`) of any `LoggerProvider` or NodeSDK. The destination keeps everything it
 * has inside our pipeline — its own batching by count and bytes, the durable spool, retries with
 * backoff, the dead-letter directory, the stats — because it is the very same stage.
 *
 * `export()` copies each record (the same copy our pipeline takes: hostile values become encodable),
 * hands it to the destination's queue and calls back SUCCESS as soon as the queue has it; the network
 * (or the disk) is the queue's business from there on. So the stock processor never waits on a slow
 * backend and never retries on its own: retries, spooling and shedding are counted in `stats()`.
 * A batch handed over after `shutdown()` is refused with FAILED (and counted `dropped.shutdown`).
 *
 * Configuration errors throw from the constructor, naming the variable or option.
 *
 * @example
 * const exporter = new LokiLogRecordExporter({ endpoint: 'http://loki:3100', delivery: { spoolDir: '/var/spool/app' } });
 * const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
 */
export class DestinationLogRecordExporter<Options> implements LogRecordExporter {
  private readonly stage: LogStage;
  private readonly pipelineStats = new PipelineStats();
  private readonly copies: SnapshotReport = { truncated: 0, replaced: 0 };
  private closed = false;
  private refusedAfterShutdown = 0;

  constructor(descriptor: DestinationDescriptor<string, unknown, Options>, options: Options & DestinationExporterOptions) {
    const { delivery, env, ...own } = options;
    const read = new SettingsReader(env ?? process.env);
    const config = descriptor.parse(read, own as Options);
    // The same spool subdirectory as inside createLogPipeline, so either can replay what the other left.
    const settings = settingsFor(descriptor.name, parseDeliverySettings(read, delivery));
    this.pipelineStats.register('exporter', () => ({
      values_truncated: this.copies.truncated,
      values_replaced: this.copies.replaced,
      refused_after_shutdown: this.refusedAfterShutdown,
    }));
    this.stage = descriptor.create(config, settings, { stats: this.pipelineStats, resource: defaultResource(), health: new BackendHealth() });
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.closed) {
      this.refusedAfterShutdown += logs.length;
      resultCallback({ code: ExportResultCode.FAILED, error: new LogkitError('LOGKIT_SHUTDOWN', 'the exporter is shut down') });
      return;
    }
    for (const log of logs) {
      try {
        this.stage.write(snapshotRecord(log, DEFAULT_SNAPSHOT_LIMITS, this.copies));
      } catch (error) {
        // write() never throws; a copy that does is a bug, reported without failing the whole batch.
        diag.error('otel-logkit: a record could not be handed to the destination', error);
      }
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Resolves when everything handed over is delivered, or (with a spool) safely on disk. */
  forceFlush(): Promise<void> {
    return this.stage.forceFlush();
  }

  /** Flushes and closes the destination; idempotent. With a spool, what is left waits on disk for the next start. */
  shutdown(): Promise<void> {
    this.closed = true;
    return this.stage.shutdown();
  }

  /** What happened to the records handed over: the destination's section (exported, retried, spooled, dead_lettered …). */
  stats(): Record<string, StatsSection> {
    return this.pipelineStats.snapshot();
  }
}
