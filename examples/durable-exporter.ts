/**
 * otel-logkit's destinations as SDK LogRecordExporters under the stock BatchLogRecordProcessor. The
 * file destination needs no backend; OtlpLogRecordExporter, LokiLogRecordExporter and
 * ElasticsearchLogRecordExporter are used the same way and keep their spool, retries and dead-letter
 * directory (`delivery: { spoolDir, deadLetterDir }`):
 *   npx tsx examples/durable-exporter.ts
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { FileLogRecordExporter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'otel-logkit-example-'));
const exporter = new FileLogRecordExporter({ dir, delivery: { scheduleDelayMs: 10 } });
const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });

const logger = provider.getLogger('inventory');
for (let i = 1; i <= 3; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `stock counted, aisle ${i}` });
await provider.shutdown();

const lines = readFileSync(join(dir, 'logs.jsonl'), 'utf8').trim().split('\n');
process.stdout.write(`${lines.length} OTLP-JSON line(s) in ${join(dir, 'logs.jsonl')}\n`);
process.stdout.write(`${JSON.stringify(exporter.stats())}\n`);
