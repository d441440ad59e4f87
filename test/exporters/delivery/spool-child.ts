/**
 * A separate process for the crash test: `emit` logs numbered records through the whole pipeline with
 * a spool, printing `committed <n>` each time forceFlush confirms the first n are delivered or on disk,
 * until it is killed; `leave` logs 100 records and returns without shutting down (the backend being
 * down); `drain` starts on the same spool, lets it replay, and exits.
 */
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../../src/index.js';

const [mode, endpoint, spoolDir] = process.argv.slice(2);
const pipeline = createLogPipeline({
  env: {
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
    OTEL_LOGKIT_SPOOL_DIR: spoolDir,
    OTEL_LOGKIT_SPOOL_FSYNC: 'never',
    OTEL_BLRP_SCHEDULE_DELAY: '5',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '64',
    OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
    OTEL_LOGKIT_RETRY_MAX_BACKOFF: '20',
  },
});
const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });

if (mode === 'emit') {
  const logger = provider.getLogger('crash.test');
  for (let n = 0; ; ) {
    for (let i = 0; i < 50; i++, n++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `kill ${n}` });
    await pipeline.forceFlush();
    process.stdout.write(`committed ${n}\n`);
  }
} else if (mode === 'leave') {
  // Logs, makes sure the records are on disk, and simply returns while the backend is still down.
  const logger = provider.getLogger('crash.test');
  for (let n = 0; n < 100; n++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `left ${n}` });
  await pipeline.forceFlush();
} else {
  await provider.shutdown();
  process.stdout.write(`${JSON.stringify(pipeline.stats().otlp)}\n`);
}
