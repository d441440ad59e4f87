/**
 * Cost of the sampling decision on the emit hot path, side by side with the stock SDK in the same run:
 * the same LoggerProvider with a SimpleLogRecordProcessor and a no-op exporter (baseline), and with
 * the sampling stage added behind it (fed the SDK record directly, so only the stage is measured:
 * threshold lookup, deferral hold, ratio and rate-limit decisions). Median of several rounds.
 *
 * Then a dropped DEBUG through the whole pipeline (deferral off), where our processor's `enabled()`
 * lets the SDK skip the record, against the stock SDK emitting the same record — and against our
 * pipeline with `enabled()` hidden from the SDK, i.e. the record built, copied and enriched to be dropped.
 */
import { type LogRecord, SeverityNumber } from '@opentelemetry/api';
import { type LogRecordProcessor, LoggerProvider, type ReadWriteLogRecord, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { createSamplingStage } from '../../processors/sampling/index.js';
import { resolveConfig } from '../../src/config.js';
import { createLogPipeline } from '../../src/pipeline.js';
import { beginExecution, endExecution, enterExecution } from '../../src/core/execution.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { buildResource } from '../../src/resource.js';
import type { LogStage } from '../../src/core/stage.js';
import { PipelineStats } from '../../src/core/stats.js';
import { noopExporter, noopStage } from './sdk-baseline.js';
import { standardRecord } from './standard-record.js';


function samplingStage(env: Record<string, string>): LogStage {
  const config = resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'none', ...env } });
  return createSamplingStage(config.sampling, { stats: new PipelineStats(), resource: buildResource(config.resource) }, noopStage);
}

function samplingProcessor(env: Record<string, string>): LogRecordProcessor {
  const stage = samplingStage(env);
  return {
    onEmit: (record: ReadWriteLogRecord) => stage.write(record as unknown as LogkitRecord),
    forceFlush: () => stage.forceFlush(),
    shutdown: () => stage.shutdown(),
  };
}

const N = 20_000;
/** The stage alone is cheap: more records per round so timer and scheduling noise average out. */
const N_STAGE = 200_000;
const ROUNDS = 9;
const records: LogRecord[] = Array.from({ length: 1024 }, (_, i) => standardRecord(i));

/**
 * One timed pass of N writes, ns/record: `write(i)` writes record i; in an execution, each execution
 * takes 100 records and then ends successfully (so deferred records are discarded, as on the happy path).
 */
function timed(write: (i: number) => void, inExecution: boolean, n = N): number {
  let execution = inExecution ? beginExecution() : undefined;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (execution === undefined) write(i);
    else {
      enterExecution(execution, () => write(i));
      if (i % 100 === 99) {
        endExecution(execution);
        execution = beginExecution();
      }
    }
  }
  if (execution) endExecution(execution);
  return Number(process.hrtime.bigint() - start) / n;
}

/** Through the SDK: `logger.emit` of the standard record at `severity`. */
function pass(provider: LoggerProvider, severity: SeverityNumber, inExecution: boolean): number {
  const logger = provider.getLogger('bench.orders');
  return timed((i) => {
    const record = records[i & 1023]!;
    record.severityNumber = severity;
    logger.emit(record);
  }, inExecution);
}

const scope = { name: 'bench.orders' };
const logkitRecords: LogkitRecord[] = records.map((r) => ({
  hrTime: [0, 0],
  hrTimeObserved: [0, 0],
  severityNumber: r.severityNumber,
  body: r.body as string,
  resource: buildResource({ attributes: {} }),
  instrumentationScope: scope,
  attributes: Object.assign(Object.create(null), r.attributes),
  droppedAttributesCount: 0,
}));

/**
 * The stage alone, fed ready-made records (severity set once per scenario): the decision itself,
 * without the SDK around it.
 */
function stagePass(stage: LogStage, inExecution: boolean): number {
  return timed((i) => stage.write(logkitRecords[i & 1023]!), inExecution, N_STAGE);
}

/** The loop itself (record spread, execution entry), subtracted from the stage-alone figure. */
const emptyStage: LogStage = noopStage;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const scenarios: { name: string; env: Record<string, string>; severity: SeverityNumber; inExecution: boolean }[] = [
  { name: 'INFO passes (threshold info)', env: {}, severity: SeverityNumber.INFO, inExecution: false },
  { name: 'INFO passes, 20 logger rules', env: { OTEL_LOGKIT_LEVELS: Array.from({ length: 20 }, (_, i) => `svc${i}.*=debug`).join(',') }, severity: SeverityNumber.INFO, inExecution: false },
  { name: 'DEBUG dropped (deferral off)', env: { OTEL_LOGKIT_DEFERRED: 'false' }, severity: SeverityNumber.DEBUG, inExecution: false },
  { name: 'DEBUG held in execution, discarded at end', env: {}, severity: SeverityNumber.DEBUG, inExecution: true },
  { name: 'DEBUG held in the global ring', env: {}, severity: SeverityNumber.DEBUG, inExecution: false },
  { name: 'INFO ratio 0.1, no trace (random)', env: { OTEL_LOGKIT_SAMPLE_RATIOS: 'info=0.1' }, severity: SeverityNumber.INFO, inExecution: false },
  { name: 'INFO ratio 0.1, by execution id', env: { OTEL_LOGKIT_SAMPLE_RATIOS: 'info=0.1' }, severity: SeverityNumber.INFO, inExecution: true },
  { name: 'INFO rate limit 1000/s', env: { OTEL_LOGKIT_RATE_LIMIT: '1000' }, severity: SeverityNumber.INFO, inExecution: false },
];

console.log(`sampling stage: ${N} standard records per SDK round (${N_STAGE} for the stage alone), baseline and stage rounds interleaved, median of ${ROUNDS} (ns/record)`);
console.log('| scenario | SDK baseline | SDK + sampling stage | ratio | loop, no-op stage | loop, sampling stage | decision (difference) | decision / SDK emit |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const scenario of scenarios) {
  const baseline = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: noopExporter })] });
  const withStage = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: noopExporter }), samplingProcessor(scenario.env)] });
  pass(baseline, scenario.severity, scenario.inExecution);
  pass(withStage, scenario.severity, scenario.inExecution);
  const alone = samplingStage(scenario.env);
  for (const record of logkitRecords) record.severityNumber = scenario.severity;
  stagePass(alone, scenario.inExecution);
  stagePass(emptyStage, scenario.inExecution);
  const base: number[] = [];
  const ours: number[] = [];
  const loopOnly: number[] = [];
  const loopStage: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    base.push(pass(baseline, scenario.severity, scenario.inExecution));
    globalThis.gc?.();
    ours.push(pass(withStage, scenario.severity, scenario.inExecution));
    globalThis.gc?.();
    loopOnly.push(stagePass(emptyStage, scenario.inExecution));
    loopStage.push(stagePass(alone, scenario.inExecution));
  }
  const b = median(base);
  const o = median(ours);
  const l = median(loopOnly);
  const ls = median(loopStage);
  const d = ls - l;
  console.log(
    `| ${scenario.name} | ${b.toFixed(0)} | ${o.toFixed(0)} | ${(o / b).toFixed(2)}x | ${l.toFixed(0)} | ${ls.toFixed(0)} | ${d.toFixed(0)} | ${((100 * d) / b).toFixed(1)}% |`,
  );
  await baseline.shutdown();
  await withStage.shutdown();
  await alone.shutdown();
}

/** Our processors as the SDK saw them before `enabled()`: only onEmit, forceFlush and shutdown. */
function withoutEnabled(processor: LogRecordProcessor): LogRecordProcessor {
  return { onEmit: (r, c) => processor.onEmit(r, c), forceFlush: () => processor.forceFlush(), shutdown: () => processor.shutdown() };
}

{
  const env = { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_DEFERRED: 'false' };
  const stock = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: noopExporter })] });
  const gated = createLogPipeline({ env });
  const ungated = createLogPipeline({ env });
  const withEnabled = new LoggerProvider({ processors: gated.processors });
  const built = new LoggerProvider({ processors: ungated.processors.map(withoutEnabled) });
  const providers = [stock, withEnabled, built];
  for (const provider of providers) pass(provider, SeverityNumber.DEBUG, false);
  const times: number[][] = providers.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    providers.forEach((provider, i) => {
      globalThis.gc?.();
      times[i]!.push(pass(provider, SeverityNumber.DEBUG, false));
    });
  }
  const [s, e, b] = times.map(median) as [number, number, number];
  console.log(`\nDEBUG dropped below the threshold (deferral off), full pipeline, ${N} standard records per round, median of ${ROUNDS} (ns/record)`);
  console.log('| scenario | stock SDK emit (built, exported to a no-op) | ours | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| pipeline with enabled(): the SDK skips the record | ${s.toFixed(0)} | ${e.toFixed(0)} | ${(e / s).toFixed(2)}x |`);
  console.log(`| pipeline without enabled(): built, copied, enriched, dropped | ${s.toFixed(0)} | ${b.toFixed(0)} | ${(b / s).toFixed(2)}x |`);
  const dropped = Number((gated.stats().sampling?.dropped as Record<string, number> | undefined)?.below_threshold ?? 0);
  if (gated.stats().pipeline?.received !== 0 || dropped === 0) throw new Error('enabled() did not skip the dropped DEBUG records');
  for (const provider of providers) await provider.shutdown();
}
