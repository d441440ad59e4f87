/**
 * otel-logkit's stages as standard SDK processors, mixed with stock parts in a hand-built
 * LoggerProvider (the same list works as NodeSDK's `logRecordProcessors`):
 *   npx tsx examples/sdk-parts.ts
 */
import { SeverityNumber } from '@opentelemetry/api';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { EnrichmentLogRecordProcessor, RedactionLogRecordProcessor, runWithExecution, SamplingLogRecordProcessor } from '../src/index.js';

// Sampling decides what the processors after it see, so it wraps them (`next`): kept records go on
// at once, held DEBUG records go on later — if their execution fails.
const sampling = new SamplingLogRecordProcessor({
  level: 'info',
  next: [new RedactionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })],
});
const provider = new LoggerProvider({ processors: [new EnrichmentLogRecordProcessor({ tags: ['#shop'] }), sampling] });

const logger = provider.getLogger('checkout');
runWithExecution({ userId: 'u-42' }, () => {
  logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'paying with card 4111 1111 1111 1111' }); // held
  logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'payment failed' }); // releases the held record first
});
runWithExecution({ userId: 'u-43' }, () => {
  logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'this request succeeds: its DEBUG history is discarded' });
});

await provider.shutdown();
process.stdout.write(`${JSON.stringify(sampling.stats())}\n`);
