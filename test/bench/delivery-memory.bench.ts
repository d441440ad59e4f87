/**
 * Memory, side by side with the stock SDK (BatchLogRecordProcessor + exporter-logs-otlp-proto, gzip),
 * in the three situations of issue #23. Each pipeline runs in a process of its own (so the peak RSS is
 * that pipeline's: the kernel's high-water mark, VmHWM, which also catches a peak between two samples),
 * the loopback OTLP receiver in another (test/bench/otlp-receiver.ts). Standard records.
 *
 * - burst: 200,000 records emitted as fast as the loop allows (chunks of 1,000 per turn), then
 *   shutdown. Delivered records/s (receiver's count / time from the first emit to shutdown resolved),
 *   records lost (emitted − received) and those the pipeline counted as dropped; median of the rounds.
 * - outage: 1,000,000 records while the receiver answers 503 for the first 10 s; then we wait until
 *   the receiver has them all (or nothing arrived for 20 s) and shut down.
 * - steady: 5,000 records/s for BENCH_STEADY_SECONDS (default 180); RSS sampled every second. Shown:
 *   mean RSS over the second half, its slope (least squares, MB/min) and the growth that slope makes
 *   over the second half, in % of its mean. The pipelines run at the same time, each with its own
 *   receiver, so a long run costs its duration once. The issue's run is 30 minutes:
 *   `BENCH_PARTS=steady BENCH_STEADY_SECONDS=1800 npm run bench -- delivery-memory`.
 *
 * Ours runs with the library's defaults (delivery worker, memory queue or spool), but for
 * OTEL_LOGKIT_RETRY_MAX_BACKOFF=1000 in the outage, so the end of the outage is seen within a second.
 * Figures only, no pass/fail. BENCH_PARTS=burst,outage,steady (default: all), BENCH_ROUNDS (burst, default 3),
 * BENCH_VARIANTS=stock,ours,ours-spool; BENCH_ENV=NAME=value,… (our settings to try), BENCH_NODE_FLAGS
 * (Node flags of the measured processes, e.g. `--max-semi-space-size=4`).
 *
 * Run: npm run bench -- delivery-memory
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../src/index.js';
import { serveOtlpReceiver } from './otlp-receiver.js';
import { standardRecord } from './standard-record.js';

const self = fileURLToPath(import.meta.url);
const BURST = 200_000;
const CHUNK = 1_000;
const OUTAGE = 1_000_000;
const OUTAGE_MS = 10_000;
const STEADY_RATE = 5_000;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 180);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MB = 2 ** 20;

const VARIANTS: Record<string, string> = {
  stock: 'stock SDK (BLRP + otlp-proto, gzip)',
  ours: 'otel-logkit defaults, no spool',
  'ours-spool': 'otel-logkit defaults, spool',
};

type Scenario = 'burst' | 'outage' | 'steady';

interface Result {
  emitted: number;
  received: number;
  /** Records the pipeline itself counted as given up (ours: every `dropped`/`failed` counter). */
  counted: number;
  seconds: number;
  cpuMicros: number;
  peakRss: number;
  /** [seconds since start, RSS bytes], once a second (steady). */
  rss: [number, number][];
  /** The same samples of this thread's heap and (ours) the worker's, to tell which one grows. */
  /** main: this thread's heap as V8 sized it (heapTotal); mainUsed: what is live in it (heapUsed) — a young generation grown for the allocation rate shows in the first, a leak in both. */
  heaps: { main: [number, number][]; mainUsed: [number, number][]; worker: [number, number][] };
  /** Peaks seen every 50 ms: this thread's heap and buffers outside it, and (ours) the delivery worker's heap as it last reported. */
  peaks: Record<string, number>;
  stats?: unknown;
}

// ---------- one pipeline, in its own process ----------

interface Pipeline {
  provider: LoggerProvider;
  /** What the pipeline counted as given up (-1: it counts nothing). */
  counted: () => number;
  stats?: () => unknown;
  worker?: () => Record<string, number> | undefined;
}

function build(variant: string, base: string, scenario: Scenario, spoolDir?: string): Pipeline {
  if (variant === 'stock') {
    const exporter = new OTLPLogExporter({ url: `${base}/v1/logs`, compression: 'gzip' as never });
    return { provider: new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] }), counted: () => -1 };
  }
  const env: Record<string, string> = {
    OTEL_SERVICE_NAME: 'bench',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
  };
  if (scenario === 'outage') env.OTEL_LOGKIT_RETRY_MAX_BACKOFF = '1000';
  if (spoolDir) env.OTEL_LOGKIT_SPOOL_DIR = spoolDir;
  // BENCH_ENV=OTEL_LOGKIT_QUEUE_MAX_BYTES=8MiB,…: our settings to try against the defaults.
  for (const pair of process.env.BENCH_ENV?.split(',') ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const pipeline = createLogPipeline({ env });
  const counted = (): number => {
    // Sampling under backpressure, the hand-over and the destination each count what they gave up.
    const s = pipeline.stats() as unknown as Record<string, { dropped?: Record<string, number>; failed?: number }>;
    const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
    return sum(s.sampling?.dropped) + sum(s.delivery_thread?.dropped) + sum(s.otlp?.dropped) + (s.otlp?.failed ?? 0);
  };
  return {
    provider: new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource }),
    counted,
    stats: () => {
      const s = pipeline.stats() as unknown as Record<string, unknown>;
      return { sampling: s.sampling, otlp: s.otlp, delivery_thread: s.delivery_thread, delivery_worker: s.delivery_worker };
    },
    worker: () => (pipeline.stats() as unknown as Record<string, Record<string, number>>).delivery_worker,
  };
}

/** The kernel's high-water mark of this process's resident set. */
function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const receiverCount = async (base: string): Promise<number> => ((await (await fetch(`${base}/count`)).json()) as { records: number }).records;

async function emitBurst(emit: (i: number) => void, n: number): Promise<void> {
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + CHUNK);
    for (; i < end; i++) emit(i);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function emitSteady(emit: (i: number) => void, seconds: number): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * STEADY_RATE);
    for (; sent < due; sent++) emit(sent);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sent;
}

/** Until the receiver has `n` records, or nothing arrived for `quietMs`. */
async function awaitReceived(base: string, n: number, quietMs: number): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const count = await receiverCount(base);
    if (count >= n || Date.now() - movedAt > quietMs) return;
    if (count !== last) [last, movedAt] = [count, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function run(scenario: Scenario, variant: string, base: string, spoolDir?: string): Promise<Result> {
  const started = performance.now();
  const { provider, counted, stats, worker } = build(variant, base, scenario, spoolDir);
  const rss: [number, number][] = [];
  const heaps: Result['heaps'] = { main: [], mainUsed: [], worker: [] };
  const sampler = setInterval(() => {
    const at = (performance.now() - started) / 1000;
    const m = process.memoryUsage();
    rss.push([at, m.rss]);
    heaps.main.push([at, m.heapTotal]);
    heaps.mainUsed.push([at, m.heapUsed]);
    const w = worker?.()?.heap_bytes;
    if (w !== undefined) heaps.worker.push([at, w]);
  }, 1000);
  const peaks: Record<string, number> = {};
  const peak = (key: string, value: number | undefined) => {
    if (value !== undefined) peaks[key] = Math.max(peaks[key] ?? 0, value);
  };
  const watch = setInterval(() => {
    const m = process.memoryUsage();
    peak('main_heap', m.heapTotal);
    peak('main_external', m.external);
    const w = worker?.();
    peak('worker_heap', w?.heap_bytes);
    peak('worker_external', w?.external_bytes);
  }, 50);
  const logger = provider.getLogger('bench.memory');
  const emit = (i: number): void => logger.emit(standardRecord(i));
  // Measured from a ready pipeline (our worker loading its modules is startup, not the burst); its memory counts.
  await provider.forceFlush();
  await fetch(`${base}/reset`, { method: 'POST' });
  if (scenario === 'outage') await fetch(`${base}/fail?ms=${OUTAGE_MS}`, { method: 'POST' });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let emitted: number;
  if (scenario === 'steady') emitted = await emitSteady(emit, STEADY_SECONDS);
  else {
    emitted = scenario === 'burst' ? BURST : OUTAGE;
    await emitBurst(emit, emitted);
    if (scenario === 'outage') await awaitReceived(base, emitted, 20_000);
  }
  await provider.shutdown();
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  clearInterval(watch);
  return { emitted, received: await receiverCount(base), counted: counted(), seconds, cpuMicros: used.user + used.system, peakRss: peakRss(), rss, heaps, peaks, stats: stats?.() };
}

// ---------- the parent: orchestrates and prints ----------

function child(args: string[]): ChildProcess {
  // BENCH_NODE_FLAGS (e.g. --max-semi-space-size=4): Node flags for the measured processes (their workers take them too).
  const flags = args[0] === 'run' ? (process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []) : [];
  return fork(self, args, { execArgv: [...flags, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function message<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function receiver(): Promise<{ proc: ChildProcess; base: string }> {
  const proc = child(['receiver']);
  const { port } = await message<{ port: number }>(proc);
  return { proc, base: `http://127.0.0.1:${port}` };
}

async function measure(scenario: Scenario, variant: string, base: string): Promise<Result> {
  const dir = variant === 'ours-spool' ? mkdtempSync(join(tmpdir(), 'logkit-memory-')) : undefined;
  try {
    return await message<Result>(child(['run', scenario, variant, base, ...(dir ? [dir] : [])]));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => (n < 0 ? '—' : Math.round(n).toLocaleString('en-US'));
const mb = (bytes: number) => (bytes / MB).toFixed(0);
const out = (line: string) => process.stdout.write(`${line}\n`);

const peaksLine = (r: Result) => Object.entries(r.peaks).map(([k, v]) => `${k} ${mb(v)}`).join(', ');

/** Least-squares slope (bytes/s) and mean of the samples. */
function fit(points: [number, number][]): { slope: number; mean: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return { slope: sxx === 0 ? 0 : sxy / sxx, mean: my };
}

async function main(): Promise<void> {
  const parts = process.env.BENCH_PARTS?.split(',') ?? ['burst', 'outage', 'steady'];
  const only = process.env.BENCH_VARIANTS?.split(',');
  const variants = Object.keys(VARIANTS).filter((v) => !only || only.includes(v));
  const name = (v: string) => VARIANTS[v]!.padEnd(38);

  if (parts.includes('burst')) {
    const { proc, base } = await receiver();
    const results: Record<string, Result[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < ROUNDS; round++) for (const v of variants) results[v]!.push(await measure('burst', v, base));
    proc.kill();
    const stockRate = results.stock ? median(results.stock.map((r) => r.received / r.seconds)) : NaN;
    out(`\nburst: ${fmt(BURST)} standard records as fast as possible, then shutdown; median of ${ROUNDS}`);
    out(`${'pipeline'.padEnd(38)}${'delivered/s'.padStart(12)}${'vs stock'.padStart(10)}${'lost'.padStart(9)}${'counted'.padStart(9)}${'CPU µs/rec'.padStart(12)}${'peak RSS MB'.padStart(13)}${'(min–max)'.padStart(11)}`);
    for (const v of variants) {
      const runs = results[v]!;
      const rate = median(runs.map((r) => r.received / r.seconds));
      const peaks = runs.map((r) => r.peakRss);
      out(
        `${name(v)}${fmt(rate).padStart(12)}${`${(rate / stockRate).toFixed(2)}x`.padStart(10)}${fmt(median(runs.map((r) => r.emitted - r.received))).padStart(9)}${fmt(median(runs.map((r) => r.counted))).padStart(9)}${median(runs.map((r) => r.cpuMicros / r.emitted)).toFixed(1).padStart(12)}${mb(median(peaks)).padStart(13)}${`${mb(Math.min(...peaks))}–${mb(Math.max(...peaks))}`.padStart(11)}`,
      );
    }
    for (const v of variants) out(`  ${v} peaks MB (last round): ${peaksLine(results[v]!.at(-1)!)}`);
    if (process.env.BENCH_STATS) for (const v of variants.filter((x) => x !== 'stock')) out(`  ${v} stats (last round): ${JSON.stringify(results[v]!.at(-1)!.stats)}`);
  }

  if (parts.includes('outage')) {
    const { proc, base } = await receiver();
    out(`\noutage: ${fmt(OUTAGE)} records as fast as possible while the receiver answers 503 for the first ${OUTAGE_MS / 1000} s`);
    out(`${'pipeline'.padEnd(38)}${'received'.padStart(11)}${'lost'.padStart(10)}${'counted'.padStart(10)}${'seconds'.padStart(9)}${'CPU µs/rec'.padStart(12)}${'peak RSS MB'.padStart(13)}`);
    for (const v of variants.filter((x) => x !== 'ours')) {
      const r = await measure('outage', v, base);
      out(`${name(v)}${fmt(r.received).padStart(11)}${fmt(r.emitted - Math.min(r.emitted, r.received)).padStart(10)}${fmt(r.counted).padStart(10)}${r.seconds.toFixed(1).padStart(9)}${(r.cpuMicros / r.emitted).toFixed(1).padStart(12)}${mb(r.peakRss).padStart(13)}`);
      out(`  peaks MB: ${peaksLine(r)}`);
      if (r.stats && process.env.BENCH_STATS) out(`  stats: ${JSON.stringify(r.stats)}`);
    }
    proc.kill();
  }

  if (parts.includes('steady')) {
    const receivers = await Promise.all(variants.map(() => receiver()));
    const results = await Promise.all(variants.map((v, i) => measure('steady', v, receivers[i]!.base)));
    for (const r of receivers) r.proc.kill();
    const stockMean = results[variants.indexOf('stock')] ? fit(results[variants.indexOf('stock')]!.rss.slice(Math.floor(results[variants.indexOf('stock')]!.rss.length / 2))).mean : NaN;
    out(`\nsteady: ${fmt(STEADY_RATE)} records/s for ${STEADY_SECONDS} s, the pipelines side by side; RSS sampled every second, second half fitted`);
    out(`${'pipeline'.padEnd(38)}${'delivered'.padStart(11)}${'RSS MB mean'.padStart(13)}${'vs stock'.padStart(10)}${'peak MB'.padStart(9)}${'slope MB/min'.padStart(14)}${'growth'.padStart(9)}${'CPU µs/rec'.padStart(12)}`);
    const lines: string[] = [];
    variants.forEach((v, i) => {
      const r = results[i]!;
      const slopeOf = (points: [number, number][]) => (points.length > 2 ? ((fit(points.slice(Math.floor(points.length / 2))).slope * 60) / MB).toFixed(2) : '—');
      lines.push(`  ${v} peaks MB: ${peaksLine(r)}; second-half slope MB/min: main heap ${slopeOf(r.heaps.main)} (used ${slopeOf(r.heaps.mainUsed)}), worker heap ${slopeOf(r.heaps.worker)}`);
      const half = r.rss.slice(Math.floor(r.rss.length / 2));
      const { slope, mean } = fit(half);
      const span = half.length > 1 ? half.at(-1)![0] - half[0]![0] : 0;
      out(
        `${name(v)}${`${((r.received / r.emitted) * 100).toFixed(1)}%`.padStart(11)}${mb(mean).padStart(13)}${`${mean - stockMean >= 0 ? '+' : ''}${mb(mean - stockMean)}`.padStart(10)}${mb(r.peakRss).padStart(9)}${((slope * 60) / MB).toFixed(2).padStart(14)}${`${((slope * span * 100) / mean).toFixed(1)}%`.padStart(9)}${(r.cpuMicros / r.emitted).toFixed(1).padStart(12)}`,
      );
    });
    lines.forEach((line) => out(line));
  }
  out('goals (#23): burst ≥ 3x stock with a spool, 0 lost; ≥ 2x without, drops counted; peak RSS ≤ 256 MB; outage 0 lost, ≤ 256 MB; steady ≤ stock + 64 MB, < 5% growth over the second half');
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'receiver') await serveOtlpReceiver(0);
else if (mode === 'run') {
  process.send!(await run(args[0] as Scenario, args[1]!, args[2]!, args[3]));
  process.exit(0);
} else await main();
