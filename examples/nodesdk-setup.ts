/**
 * otel-logkit inside a NodeSDK setup: the pipeline's processors go to `logRecordProcessors`, NodeSDK
 * owns the provider. Configure with the usual variables, e.g.
 *   OTEL_SERVICE_NAME=checkout OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npx tsx examples/nodesdk-setup.ts
 */
import { logs, SeverityNumber } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createLogPipeline, runWithExecution } from '../src/index.js';

const logkit = createLogPipeline();
const sdk = new NodeSDK({ logRecordProcessors: logkit.processors, instrumentations: [] });
sdk.start();

const logger = logs.getLogger('checkout');
await runWithExecution({ userId: 'u-42' }, async () => {
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'order placed through NodeSDK' });
});

await sdk.shutdown();
process.stdout.write(`${JSON.stringify(logkit.stats())}\n`);
