/**
 * Deferred logging under load: 10,000 concurrent executions each writing 100 DEBUG records (one million
 * held candidates, ~1 GB if nothing were bounded) through the real pipeline and SDK. Memory must stay
 * within the configured total cap (OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES): the heap growth while they
 * are held is compared with the cap, and RSS is printed. Side by side, the stock SDK with a
 * SimpleLogRecordProcessor and a no-op exporter under the same load (it holds nothing: its DEBUG
 * records are simply exported and gone), and our pipeline with deferral off.
 *
 * Reading RSS: what deferral retains is the heap growth (within the cap). RSS rises further, with the
 * cap, because every held record lives long enough to reach V8's old space before the cap evicts it,
 * and V8 keeps the pages of that garbage resident after collecting it (measured: about baseline + 3-4x
 * the cap at peak, not released after 5 s idle). Size the cap for the RSS budget accordingly.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LogRecord, SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { beginExecution, createLogPipeline, endExecution, enterExecution, type Execution } from '../../src/index.js';
import { noopExporter } from './sdk-baseline.js';
import { standardRecord } from './standard-record.js';

const EXECUTIONS = 10_000;
const PER_EXECUTION = 100;
const CAP = process.env.OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES ?? '64MiB';
const MiB = 1024 ** 2;

const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
function settle(): NodeJS.MemoryUsage {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage();
}

async function load(provider: LoggerProvider): Promise<{ executions: Execution[]; peakRss: number; ns: number }> {
  const logger = provider.getLogger('bench.orders');
  const executions = Array.from({ length: EXECUTIONS }, () => beginExecution());
  let peakRss = 0;
  const start = process.hrtime.bigint();
  // Interleaved, as concurrent requests are: every execution writes its n-th record before any its
  // n+1-th; between rounds the event loop turns, as it does between the requests' awaits.
  for (let n = 0; n < PER_EXECUTION; n++) {
    for (let e = 0; e < EXECUTIONS; e++) {
      const record: LogRecord = standardRecord(n * EXECUTIONS + e);
      record.severityNumber = SeverityNumber.DEBUG;
      enterExecution(executions[e]!, () => logger.emit(record));
    }
    if (n % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ns = Number(process.hrtime.bigint() - start) / (EXECUTIONS * PER_EXECUTION);
  return { executions, peakRss: Math.max(peakRss, process.memoryUsage().rss), ns };
}


interface Result {
  ns: number;
  rssBefore: number;
  rssPeak: number;
  heapGrowth?: number;
  rssHeld?: number;
  heapTotalHeld?: number;
  cap?: number;
  held?: Record<string, unknown>;
  heapAfterEnd?: number;
}

async function measure(side: string): Promise<Result> {
  if (side === 'sdk') {
    const sdk = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: noopExporter })] });
    const before = settle();
    const run = await load(sdk);
    for (const execution of run.executions) endExecution(execution);
    await sdk.shutdown();
    return { ns: run.ns, rssBefore: before.rss, rssPeak: run.peakRss };
  }
  const deferral = side === 'logkit' ? 'true' : 'false';
  const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_DEFERRED: deferral, OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES: CAP } });
  const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
  const before = settle();
  const run = await load(provider);
  const held = settle();
  const deferred = pipeline.stats().deferred ?? {};
  for (const execution of run.executions) endExecution(execution);
  const after = settle();
  await provider.shutdown();
  return {
    ns: run.ns,
    rssBefore: before.rss,
    rssPeak: run.peakRss,
    heapGrowth: held.heapUsed - before.heapUsed,
    rssHeld: held.rss,
    heapTotalHeld: held.heapTotal,
    cap: pipeline.config.sampling.deferred.maxTotalBytes,
    held: deferred,
    heapAfterEnd: after.heapUsed - before.heapUsed,
  };
}

const side = process.argv[2];
if (side !== undefined) {
  process.stdout.write(JSON.stringify(await measure(side)));
} else {
  // Each side in its own process, so neither inherits the other's heap and RSS.
  const runSide = (name: string): Result => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), name], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`${name} side failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as Result;
  };
  console.log(`${EXECUTIONS} concurrent executions x ${PER_EXECUTION} DEBUG standard records, total cap ${CAP}; each side in its own process`);
  const sdk = runSide('sdk');
  const plain = runSide('logkit-no-deferral');
  const ours = runSide('logkit');
  const dropped = (ours.held!.dropped ?? {}) as Record<string, number>;
  console.log('| | stock SDK (Simple + no-op exporter) | otel-logkit, deferral off | otel-logkit, deferral on |');
  console.log('|---|---:|---:|---:|');
  console.log(`| emit, ns/record (whole pipeline) | ${sdk.ns.toFixed(0)} | ${plain.ns.toFixed(0)} (${(plain.ns / sdk.ns).toFixed(2)}x) | ${ours.ns.toFixed(0)} (${(ours.ns / sdk.ns).toFixed(2)}x) |`);
  console.log(`| RSS before | ${mb(sdk.rssBefore)} | ${mb(plain.rssBefore)} | ${mb(ours.rssBefore)} |`);
  console.log(`| RSS peak during load (includes garbage not yet collected) | ${mb(sdk.rssPeak)} | ${mb(plain.rssPeak)} | ${mb(ours.rssPeak)} |`);
  console.log(`| RSS after GC at the end of the load (V8 heap committed) | - | ${mb(plain.rssHeld!)} (${mb(plain.heapTotalHeld!)}) | ${mb(ours.rssHeld!)} (${mb(ours.heapTotalHeld!)}) |`);
  console.log(`| heap growth at the end of the load (after GC) | - | ${mb(plain.heapGrowth!)} | ${mb(ours.heapGrowth!)} (cap ${mb(ours.cap!)}) |`);
  console.log(`| held: estimated bytes / records / executions | - | - | ${mb(ours.held!.held_bytes as number)} / ${ours.held!.held_records} / ${ours.held!.held_executions} |`);
  console.log(`| evicted by the total cap, counted | - | - | ${dropped.evicted_total_cap ?? 0} |`);
  console.log(`| heap after all executions ended (after GC) | - | ${mb(plain.heapAfterEnd!)} above start | ${mb(ours.heapAfterEnd!)} above start |`);
  const within = ours.heapGrowth! <= ours.cap!;
  console.log(within ? `OK: heap growth ${mb(ours.heapGrowth!)} is within the cap ${mb(ours.cap!)}` : `FAIL: heap growth ${mb(ours.heapGrowth!)} exceeds the cap ${mb(ours.cap!)}`);
  if (!within) process.exitCode = 1;
}
