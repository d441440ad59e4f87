import { InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api';
import { createLogPipeline, type LogkitOptions, type LogkitRecord, type LogPipelineParts } from '../../../src/index.js';

/** A real SDK provider feeding the full pipeline into an in-memory exporter; what the enrichment tests look at. */
export interface PipelineFixture {
  pipeline: LogPipelineParts;
  provider: LoggerProvider;
  logger(name?: string): Logger;
  /** Flushes, then returns every record exported so far. */
  records(): Promise<LogkitRecord[]>;
  shutdown(): Promise<void>;
}

export function pipelineFixture(options: LogkitOptions = {}): PipelineFixture {
  const exporter = new InMemoryLogRecordExporter();
  const pipeline = createLogPipeline({ ...options, env: { OTEL_LOGS_EXPORTER: 'none', ...options.env }, exporter });
  const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
  return {
    pipeline,
    provider,
    logger: (name = 'test') => provider.getLogger(name),
    records: async () => {
      await pipeline.forceFlush();
      return exporter.getFinishedLogRecords() as unknown as LogkitRecord[];
    },
    shutdown: () => provider.shutdown(),
  };
}
