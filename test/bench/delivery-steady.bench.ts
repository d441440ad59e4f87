/**
 * Steady load, side by side with the stock SDK in one run: every pipeline gets the same standardRecord
 * stream at a fixed rate both can sustain (19k records/s, in 10 ms ticks), for a few seconds, into a
 * loopback OTLP receiver in another process. Reported per record: process CPU (all threads: the
 * application's, libuv's pool, workers) and the application thread's own CPU (`process.threadCpuUsage`,
 * robust on a shared machine, unlike event-loop utilisation, which counts time the thread was
 * descheduled; also shown), plus the event-loop delay p99/max — the latency any request of the
 * application would have felt. Ratios against the stock SDK (BatchLogRecordProcessor + exporter-logs-otlp-proto, gzip).
 * The peer a Node team picks is a row too: pino + pino-opentelemetry-transport (its own OTel SDK,
 * BatchLogRecordProcessor + exporter-logs-otlp-proto with gzip, in pino's transport worker), the same
 * record as a pino line (severity → level, body → msg, attributes → fields).
 * Each pipeline runs in a process of its own; three rounds, median. `delivered` is what the receiver
 * counted of the measured records (a row that drops records would look cheap). Figures only, no pass/fail.
 *
 * Run: npm run bench -- delivery-steady
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { pino, type Level } from 'pino';
import { createLogPipeline } from '../../src/index.js';
import { standardRecord } from './standard-record.js';

const self = fileURLToPath(import.meta.url);
const sinkScript = fileURLToPath(new URL('./delivery.bench.ts', import.meta.url));
const RATE = 19_000;
const TICK_MS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const VARIANTS: Record<string, { name: string; env?: Record<string, string>; spool?: boolean }> = {
  stock: { name: 'stock SDK (BLRP + otlp-proto, gzip)' },
  floor: { name: 'floor: SDK emit into a no-op processor' },
  pino: { name: 'pino + pino-opentelemetry-transport, gzip' },
  ours: { name: 'otel-logkit defaults, memory queue', env: {} },
  'ours-spool': { name: 'otel-logkit defaults, spool (fsync=batch)', env: {}, spool: true },
  'ours-spool-always': { name: 'otel-logkit, spool fsync=always', env: { OTEL_LOGKIT_SPOOL_FSYNC: 'always' }, spool: true },
};

interface Result {
  records: number;
  delivered: number;
  cpuMicros: number;
  threadCpuMicros: number;
  activeMs: number;
  delayP99Ms: number;
  delayMaxMs: number;
}

/** What the bench drives: one record at a time, then everything delivered. */
interface Emitter {
  emit(i: number): void;
  /** Resolves once everything emitted is delivered and the pipeline is shut down. */
  close(): Promise<void>;
}

/** A pipeline ready for records (startup — a worker loading its modules — is not the steady state). */
async function pipeline(variant: string, base: string, spoolDir?: string): Promise<Emitter> {
  if (variant === 'pino') return pinoTransport(base);
  const p = provider(variant, base, spoolDir);
  await p.forceFlush();
  const logger = p.getLogger('bench.steady');
  return { emit: (i) => logger.emit(standardRecord(i)), close: () => p.shutdown() };
}

function provider(variant: string, base: string, spoolDir?: string): LoggerProvider {
  if (variant === 'floor') {
    // What any pipeline behind the SDK pays before it does anything: the SDK's emit and the bench's loop.
    return new LoggerProvider({ processors: [{ onEmit: () => {}, forceFlush: async () => {}, shutdown: async () => {} }] });
  }
  if (variant === 'stock') {
    const exporter = new OTLPLogExporter({ url: `${base}/v1/logs`, compression: 'gzip' as never });
    return new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  }
  const env: Record<string, string> = {
    OTEL_SERVICE_NAME: 'bench',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    ...VARIANTS[variant]!.env,
  };
  if (spoolDir) env.OTEL_LOGKIT_SPOOL_DIR = spoolDir;
  const pipeline = createLogPipeline({ env });
  return new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
}

/** pino's severity names by OTel severity range (SeverityNumber 1–4 TRACE … 21–24 FATAL). */
const PINO_LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The peer: pino logging into pino-opentelemetry-transport (its worker runs the OTel SDK's BLRP + otlp-proto exporter). */
async function pinoTransport(base: string): Promise<Emitter> {
  const transport = pino.transport({
    target: 'pino-opentelemetry-transport',
    options: {
      loggerName: 'bench.steady',
      resourceAttributes: { 'service.name': 'bench' },
      logRecordProcessorOptions: {
        recordProcessorType: 'batch',
        exporterOptions: { protocol: 'http/protobuf', protobufExporterOptions: { url: `${base}/v1/logs`, compression: 'gzip' } },
      },
    },
  });
  // The transport waits for pino's configuration (expectPinoConfig): ready only once the logger exists.
  const logger = pino(transport);
  await new Promise((resolve) => transport.once('ready', resolve));
  return {
    emit(i) {
      const record = standardRecord(i);
      logger[PINO_LEVELS[Math.ceil((record.severityNumber ?? 9) / 4) - 1] ?? 'info'](record.attributes, record.body as string);
    },
    // Ending the transport shuts its LoggerProvider down (the last batch is sent), then its worker exits;
    // the worker is unref'd, so a timer keeps this process alive until it has.
    close: () => new Promise<void>((resolve) => {
      const alive = setInterval(() => {}, 1000);
      transport.once('close', () => {
        clearInterval(alive);
        resolve();
      });
      transport.end();
    }),
  };
}

/** Emits at RATE for `seconds` in TICK_MS ticks (catching up if a tick was late), then closes. */
async function steady(pipeline: Emitter, seconds: number, beforeClose?: () => void): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    for (; sent < due; sent++) pipeline.emit(sent);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  beforeClose?.();
  await pipeline.close();
  return sent;
}

const counts = async (base: string) => (await (await fetch(`${base}/count`)).json()) as { records: number; requests: number; wireBytes: number };

async function run(variant: string, base: string, spoolDir?: string): Promise<Result> {
  await steady(await pipeline(variant, base, spoolDir && join(spoolDir, 'warmup')), 1);
  const p = await pipeline(variant, base, spoolDir);
  const sinkBefore = await counts(base);
  const before = sinkBefore.records;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const threadsBefore = threadTimes();
  const cpu = process.cpuUsage();
  // process.threadCpuUsage is Node ≥ 23.9; on an older Node the column shows NaN.
  const threadCpu = process.threadCpuUsage?.bind(process);
  const thread = threadCpu?.();
  // Per thread, before close: a delivery worker's thread is gone after it.
  let threadsAfter: ReturnType<typeof threadTimes> | undefined;
  const records = await steady(p, SECONDS, () => (threadsAfter = process.env.BENCH_THREADS ? threadTimes() : undefined));
  const used = process.cpuUsage(cpu);
  if (threadsAfter) printThreads(variant, threadsBefore, threadsAfter, Math.floor(SECONDS * RATE));
  const threadUsed = thread ? threadCpu!(thread) : { user: NaN, system: NaN };
  const active = performance.eventLoopUtilization(elu).active;
  delay.disable();
  const sinkAfter = await counts(base);
  const delivered = sinkAfter.records - before;
  if (threadsAfter) {
    const requests = sinkAfter.requests - sinkBefore.requests;
    process.stderr.write(`  on the wire: ${requests} requests, ${(delivered / Math.max(1, requests)).toFixed(0)} records and ${((sinkAfter.wireBytes - sinkBefore.wireBytes) / Math.max(1, delivered)).toFixed(0)} bytes per record\n`);
  }
  return { records, delivered, cpuMicros: used.user + used.system, threadCpuMicros: threadUsed.user + threadUsed.system, activeMs: active, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6 };
}

/** CPU seconds per thread of this process, by thread id (name, utime + stime), from /proc. */
function threadTimes(): Map<string, { name: string; seconds: number }> {
  const times = new Map<string, { name: string; seconds: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // ended meanwhile
    }
  }
  return times;
}

/** BENCH_THREADS=1: where a variant's process CPU went until its last record was emitted, per thread name, in µs per record. */
function printThreads(variant: string, before: Map<string, { seconds: number }>, after: Map<string, { name: string; seconds: number }>, records: number): void {
  const byName = new Map<string, number>();
  for (const [tid, { name, seconds }] of after) byName.set(name, (byName.get(name) ?? 0) + seconds - (before.get(tid)?.seconds ?? 0));
  const rows = [...byName].filter(([, s]) => s > 0).map(([name, s]) => `${name}: ${((s * 1e6) / records).toFixed(1)}`);
  process.stderr.write(`threads of ${variant} (µs/record, 10 ms ticks): ${rows.join(', ')}\n`);
}

function child(args: string[], script = self): ChildProcess {
  // BENCH_PROFILE=<dir>: a CPU profile per thread of each run (the delivery worker takes the flags too).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  return fork(script, args, { execArgv: [...profile, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function message<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve) => proc.once('message', (m) => resolve(m as T)));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const only = process.env.BENCH_VARIANTS?.split(',');
  const variants = Object.keys(VARIANTS).filter((v) => v === 'stock' || v === 'floor' || !only || only.includes(v));
  const sink = child(['sink', '0'], sinkScript);
  const { port } = await message<{ port: number }>(sink);
  const base = `http://127.0.0.1:${port}`;
  const results: Record<string, Result[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const dir = VARIANTS[variant]!.spool ? mkdtempSync(join(tmpdir(), 'logkit-steady-')) : undefined;
      const proc = child(['run', variant, base, ...(dir ? [dir] : [])]);
      results[variant]!.push(await message<Result>(proc));
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
  sink.kill();
  const row = (variant: string) => {
    const runs = results[variant]!;
    return {
      cpuUs: median(runs.map((r) => r.cpuMicros / r.records)),
      appUs: median(runs.map((r) => r.threadCpuMicros / r.records)),
      eluUs: median(runs.map((r) => (r.activeMs * 1000) / r.records)),
      p99: median(runs.map((r) => r.delayP99Ms)),
      max: median(runs.map((r) => r.delayMaxMs)),
      delivered: median(runs.map((r) => r.delivered / r.records)),
    };
  };
  const stock = row('stock');
  process.stdout.write(`\nsteady load: ${RATE.toLocaleString('en-US')} standard records/s for ${SECONDS} s, loopback OTLP/HTTP + gzip, median of ${ROUNDS}\n`);
  process.stdout.write(
    `${'pipeline'.padEnd(44)}${'CPU µs/rec'.padStart(11)}${'vs stock'.padStart(10)}${'app-thread CPU µs/rec'.padStart(23)}${'vs stock'.padStart(10)}${'ELU µs/rec'.padStart(12)}${'loop delay p99/max ms'.padStart(23)}${'delivered'.padStart(11)}\n`,
  );
  for (const variant of variants) {
    const r = row(variant);
    process.stdout.write(
      `${VARIANTS[variant]!.name.padEnd(44)}${r.cpuUs.toFixed(1).padStart(11)}${`${(r.cpuUs / stock.cpuUs).toFixed(2)}x`.padStart(10)}${r.appUs.toFixed(1).padStart(23)}${`${(r.appUs / stock.appUs).toFixed(2)}x`.padStart(10)}${r.eluUs.toFixed(1).padStart(12)}${`${r.p99.toFixed(1)} / ${r.max.toFixed(1)}`.padStart(23)}${`${(r.delivered * 100).toFixed(1)}%`.padStart(11)}\n`,
    );
  }
  process.stdout.write('goals (#23): process CPU ≤ 0.8x stock and below the pino peer, application thread ≤ 0.33x stock, loop delay p99 ≤ stock, max ≤ 20 ms with fsync=always\n');
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  process.send!(await run(args[0]!, args[1]!, args[2]));
  process.exit(0);
} else await main();
