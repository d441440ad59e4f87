/**
 * pino logs bridged into the otel-logkit pipeline by @opentelemetry/instrumentation-pino: the
 * instrumentation turns every pino call into an OTel log record on the global logger provider, which
 * registerLogPipeline installed. The instrumentation patches `require`, so pino is loaded after it.
 */
import { createRequire } from 'node:module';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { registerLogPipeline } from '../src/index.js';

const pipeline = registerLogPipeline();
registerInstrumentations({ instrumentations: [new PinoInstrumentation()] });

const require = createRequire(import.meta.url);
const pino = require('pino') as typeof import('pino').default;
const log = pino({ level: 'debug' }, pino.destination({ dest: 2, sync: true }));
log.info({ orderId: 'ord-1' }, 'order placed through pino');
log.warn('stock low through pino');

await pipeline.shutdown();
process.stdout.write(`${JSON.stringify(pipeline.stats())}\n`);
