/**
 * What our stages cost as standard SDK processors, side by side with the stock SDK and with the same
 * stages inside the one-call pipeline (one copy per record, then the chain on the copy).
 *
 * Every row is a `LoggerProvider` emitting the standard record, ending in a stock
 * `SimpleLogRecordProcessor` with a no-op exporter (or, for the one-call row, a no-op stage):
 * - stock SDK alone (the baseline users know);
 * - each processor alone in front of it, then all three composed as the README shows;
 * - the one-call pipeline's processor with the same three stages.
 * The SDK parts pay for working on the SDK's record (a shallow copy for enrichment, a deep one for
 * redaction, the pipeline's copy for sampling, since it may hold the record); the one-call pipeline
 * copies once. Reported, not enforced (a shared machine is noisy): the ratios are what to compare.
 */
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { createEnrichmentStage } from '../../processors/enrichment/index.js';
import { createRedactionStage } from '../../processors/redaction/index.js';
import { createSamplingStage } from '../../processors/sampling/index.js';
import { resolveConfig } from '../../src/config.js';
import { PipelineStats } from '../../src/core/stats.js';
import { EnrichmentLogRecordProcessor, RedactionLogRecordProcessor, SamplingLogRecordProcessor } from '../../src/index.js';
import { LogkitProcessor } from '../../src/processor.js';
import { buildResource } from '../../src/resource.js';
import { cpuNsPerCall } from './cpu-time.js';
import { noopExporter as exporter, noopStage } from './sdk-baseline.js';
import { standardRecord } from './standard-record.js';

const N = 10_000;
const env = { OTEL_LOGKIT_TAGS: '#shop' };
const records = Array.from({ length: N }, (_, i) => standardRecord(i));
const stock = () => new SimpleLogRecordProcessor({ exporter });

function oneCall(): LogRecordProcessor {
  const config = resolveConfig({ env: { ...env, OTEL_LOGS_EXPORTER: 'none' } });
  const ctx = { stats: new PipelineStats(), resource: buildResource(config.resource) };
  const sampling = createSamplingStage(config.sampling, ctx, createRedactionStage(config.redaction, ctx, noopStage));
  return new LogkitProcessor(createEnrichmentStage(config.enrichment, ctx, sampling), config.limits, ctx.stats, sampling);
}

const rows: [string, () => LogRecordProcessor[]][] = [
  ['stock SDK (SimpleLogRecordProcessor + no-op exporter)', () => [stock()]],
  ['+ EnrichmentLogRecordProcessor', () => [new EnrichmentLogRecordProcessor({ env }), stock()]],
  ['+ RedactionLogRecordProcessor', () => [new RedactionLogRecordProcessor({ env }), stock()]],
  ['SamplingLogRecordProcessor { next: [stock] }', () => [new SamplingLogRecordProcessor({ env, next: [stock()] })]],
  ['enrichment, sampling { next: [redaction, stock] }', () => [new EnrichmentLogRecordProcessor({ env }), new SamplingLogRecordProcessor({ env, next: [new RedactionLogRecordProcessor({ env }), stock()] })]],
  ['one-call pipeline processor, same three stages', () => [oneCall()]],
];

const results = rows.map(([name, build]) => {
  const logger = new LoggerProvider({ processors: build() }).getLogger('shop.checkout');
  return [name, cpuNsPerCall((i) => logger.emit(records[i]!), { n: N, rounds: 7, warmup: 2 })] as const;
});
const base = results[0]![1];
process.stdout.write(`standard record, ${N} records per round, median CPU ns/record (Node ${process.version})\n`);
process.stdout.write(`${'row'.padEnd(58)}${'ns/record'.padStart(10)}${'vs stock'.padStart(10)}\n`);
for (const [name, ns] of results) process.stdout.write(`${name.padEnd(58)}${ns.toFixed(0).padStart(10)}${(ns / base).toFixed(2).padStart(10)}\n`);
