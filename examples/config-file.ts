/**
 * otel-logkit configured by an OTel declarative configuration file:
 *   OTEL_CONFIG_FILE=examples/otel-config.yaml npx tsx examples/config-file.ts
 */
import { fileURLToPath } from 'node:url';
import { logs, SeverityNumber } from '@opentelemetry/api';
import { registerLogPipeline } from '../src/index.js';

// `configFile` in code overrides OTEL_CONFIG_FILE; here it is only the fallback for running the example as is.
const logkit = registerLogPipeline({ configFile: process.env.OTEL_CONFIG_FILE ?? fileURLToPath(new URL('./otel-config.yaml', import.meta.url)) });

logs.getLogger('billing.cards').emit({ severityNumber: SeverityNumber.DEBUG, body: 'billing logs DEBUG: the file says so', attributes: { 'x-session': 's3cr3t' } });
logs.getLogger('http').emit({ severityNumber: SeverityNumber.DEBUG, body: 'held: below the default minimum severity' });
logs.getLogger('http').emit({ severityNumber: SeverityNumber.INFO, body: 'request served' });

await logkit.shutdown();
process.stdout.write(`${JSON.stringify(logkit.stats())}\n`);
