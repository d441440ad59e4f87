/**
 * winston logs bridged into the otel-logkit pipeline by @opentelemetry/instrumentation-winston: with
 * log sending on, the instrumentation adds an OpenTelemetry transport to every winston logger, which
 * writes to the global logger provider that registerLogPipeline installed.
 *
 * One wrinkle: @opentelemetry/winston-transport still reads the pre-1.10 logs API package
 * (@opentelemetry/api-logs), which keeps a global of its own; it must be pointed at our provider too,
 * or winston records silently go nowhere.
 */
import { createRequire } from 'node:module';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { logs } from '@opentelemetry/api';
import { logs as legacyLogs } from '@opentelemetry/api-logs';
import { registerLogPipeline } from '../src/index.js';

const pipeline = registerLogPipeline();
legacyLogs.setGlobalLoggerProvider(logs.getLoggerProvider());
registerInstrumentations({ instrumentations: [new WinstonInstrumentation()] });

const require = createRequire(import.meta.url);
const winston = require('winston') as typeof import('winston');
const log = winston.createLogger({ level: 'debug', transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })] });
log.info('order placed through winston', { orderId: 'ord-2' });
log.error('payment failed through winston');

await pipeline.shutdown();
process.stdout.write(`${JSON.stringify(pipeline.stats())}\n`);
