/**
 * Delivery, side by side in one run: our full pipeline (createLogPipeline default stages — enrich,
 * sample, redact — then batch + OTLP protobuf + gzip over HTTP) against the stock SDK pipeline
 * (BatchLogRecordProcessor + @opentelemetry/exporter-logs-otlp-proto, gzip), both sending the same
 * standardRecord burst to a loopback OTLP receiver that counts what it decodes.
 *
 * A fourth row puts the delivery core alone (record copy + batch + protobuf + gzip, no enrichment,
 * sampling or redaction) in the stock pipeline's place, to separate the delivery's cost from the stages'.
 *
 * Each measured run is its own child process (so peak RSS and CPU belong to that pipeline alone), the
 * receiver is another one (its CPU is not counted). The burst is 200k records emitted in chunks of
 * 1,000 per event-loop turn — a busy service, not one blocking loop. Three rounds, median reported.
 * Then: 1M records with the receiver down and the spool on, the receiver started once the burst is
 * written; peak RSS and records lost. Figures only, no pass/fail.
 *
 * Run: npm run bench -- delivery
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { logs } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { defaultResource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { createHttpDestination } from '../../exporters/delivery/destination.js';
import { DEFAULT_DELIVERY } from '../../exporters/delivery/settings.js';
import { OtlpProtocol } from '../../exporters/otlp/protocol.js';
import { createLogPipeline } from '../../src/index.js';
import { DEFAULT_SNAPSHOT_LIMITS, snapshotRecord } from '../../src/core/record.js';
import { PipelineStats } from '../../src/core/stats.js';
import { countLogRecords } from './otlp-receiver.js';
import { standardRecord } from './standard-record.js';

const self = fileURLToPath(import.meta.url);
const BURST = 200_000;
const CHUNK = 1_000;
const OUTAGE_BURST = 1_000_000;
const ROUNDS = 3;

interface RunResult {
  variant: string;
  emitted: number;
  delivered: number;
  seconds: number;
  cpuMicros: number;
  peakRssBytes: number;
  counted?: unknown;
}

// ---------- the receiver: counts log records in each (gzip) protobuf request ----------

async function sink(port: number): Promise<void> {
  let records = 0;
  let requests = 0;
  let wireBytes = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/count') return void res.end(JSON.stringify({ records, requests, wireBytes }));
      if (req.url === '/reset') {
        records = 0;
        return void res.end('{}');
      }
      let body = Buffer.concat(chunks);
      requests++;
      wireBytes += body.length;
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      records += countLogRecords(body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
}

// ---------- one measured run, in its own process ----------

async function emitBurst(n: number): Promise<void> {
  const logger = logs.getLoggerProvider().getLogger('bench.delivery');
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + CHUNK);
    for (; i < end; i++) logger.emit(standardRecord(i));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function buildProvider(variant: string, base: string, spoolDir?: string): { provider: LoggerProvider; stats?: () => unknown } {
  if (variant === 'stock') {
    const exporter = new OTLPLogExporter({ url: `${base}/v1/logs`, compression: 'gzip' as never });
    return { provider: new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] }) };
  }
  if (variant === 'core') {
    // The delivery core alone in the stock pipeline's place: the record copy, then batch + protobuf + gzip.
    const stats = new PipelineStats();
    const ctx = { stats, resource: defaultResource() };
    const stage = createHttpDestination(
      {
        name: 'otlp',
        protocol: new OtlpProtocol('http/protobuf', 'gzip'),
        endpoint: new URL(`${base}/v1/logs`),
        http: { headers: {}, timeoutMs: 10_000, tls: {} },
        delivery: DEFAULT_DELIVERY,
      },
      ctx,
    );
    const report = { truncated: 0, replaced: 0 };
    const processor: LogRecordProcessor = {
      onEmit: (record) => stage.write(snapshotRecord(record, DEFAULT_SNAPSHOT_LIMITS, report)),
      forceFlush: () => stage.forceFlush(),
      shutdown: () => stage.shutdown(),
    };
    return { provider: new LoggerProvider({ processors: [processor] }), stats: () => stats.snapshot().otlp };
  }
  const env: Record<string, string> = {
    OTEL_SERVICE_NAME: 'bench',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    // Once the receiver is back, probe it every second rather than after a 30 s backoff.
    OTEL_LOGKIT_RETRY_MAX_BACKOFF: '1000',
  };
  if (spoolDir) env.OTEL_LOGKIT_SPOOL_DIR = spoolDir;
  const pipeline = createLogPipeline({ env });
  return { provider: new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource }), stats: () => ({ ...pipeline.stats().otlp, handover: pipeline.stats().delivery_thread }) };
}

async function measure(variant: string, base: string, n: number, spoolDir?: string): Promise<RunResult> {
  // Warm-up: the same path on a smaller burst, so both sides are measured JIT-compiled.
  {
    const { provider } = buildProvider(variant, base, spoolDir && join(spoolDir, 'warmup'));
    logs.setGlobalLoggerProvider(provider);
    await emitBurst(20_000);
    await provider.shutdown();
    logs.disable();
  }
  await fetch(`${base}/reset`, { method: 'POST' });
  const { provider, stats } = buildProvider(variant, base, spoolDir);
  logs.setGlobalLoggerProvider(provider);
  // Startup (our delivery worker loading its modules) is not part of the burst: measured from a ready pipeline.
  await provider.forceFlush();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await emitBurst(n);
  await provider.shutdown();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const { records } = (await (await fetch(`${base}/count`)).json()) as { records: number };
  return { variant, emitted: n, delivered: records, seconds, cpuMicros: used.user + used.system, peakRssBytes: process.resourceUsage().maxRSS * 1024, counted: stats?.() };
}

/** 1M records while nothing listens; the parent starts the receiver when told the burst is written. */
async function outage(port: number, spoolDir: string): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const { provider, stats } = buildProvider('ours-spool', base, spoolDir);
  logs.setGlobalLoggerProvider(provider);
  await provider.forceFlush();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await emitBurst(OUTAGE_BURST);
  await provider.forceFlush();
  const writtenSeconds = (performance.now() - started) / 1000;
  const rssWritten = process.resourceUsage().maxRSS * 1024;
  process.send?.({ written: true, writtenSeconds, stats: stats?.() });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  // Until everything is out, or nothing moved for 30 s (records lost somewhere: the figures say how many).
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const exported = (stats?.() as { exported?: number }).exported ?? 0;
    if (exported >= OUTAGE_BURST || Date.now() - movedAt > 30_000) break;
    if (exported !== last) [last, movedAt] = [exported, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await provider.shutdown();
  const used = process.cpuUsage(cpu);
  process.send?.({ done: true, seconds: (performance.now() - started) / 1000, rssWritten, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuMicros: used.user + used.system, stats: stats?.() });
}

// ---------- the parent: orchestrates and prints ----------

function child(args: string[]): ChildProcess {
  return fork(self, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T>(proc: ChildProcess, accept: (m: Record<string, unknown>) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!accept(m)) return;
      proc.off('message', onMessage);
      resolve(m as T);
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function startSink(port = 0): Promise<{ proc: ChildProcess; port: number }> {
  const proc = child(['sink', String(port)]);
  const { port: bound } = await next<{ port: number }>(proc, (m) => 'port' in m);
  return { proc, port: bound };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const sinkProc = await startSink();
  const base = `http://127.0.0.1:${sinkProc.port}`;
  // BENCH_PARTS=outage runs the outage alone (the burst takes most of the time).
  const parts = process.env.BENCH_PARTS?.split(',') ?? ['burst', 'outage'];
  const variants = parts.includes('burst') ? ['stock', 'core', 'ours', 'ours-spool'] : [];
  const results: Record<string, RunResult[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const dir = variant === 'ours-spool' ? mkdtempSync(join(tmpdir(), 'logkit-bench-')) : undefined;
      const proc = child(['run', variant, base, ...(dir ? [dir] : [])]);
      results[variant]!.push(await next<RunResult>(proc));
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
  sinkProc.proc.kill();

  const row = (variant: string) => {
    const runs = results[variant]!;
    const rate = median(runs.map((r) => r.delivered / r.seconds));
    return {
      variant,
      rate,
      lost: median(runs.map((r) => r.emitted - r.delivered)),
      cpuNs: median(runs.map((r) => (r.cpuMicros * 1000) / r.emitted)),
      cpuDeliveredNs: median(runs.map((r) => (r.cpuMicros * 1000) / Math.max(1, r.delivered))),
      rssMb: median(runs.map((r) => r.peakRssBytes / 2 ** 20)),
    };
  };
  const rows = variants.map(row);
  const stock = rows[0]!;
  if (!parts.includes('burst')) rows.length = 0;
  if (rows.length > 0) process.stdout.write(`\n${fmt(BURST)}-record burst (standardRecord, chunks of ${CHUNK}), loopback OTLP/HTTP protobuf + gzip, median of ${ROUNDS}\n`);
  if (rows.length > 0) process.stdout.write(
    `${'pipeline'.padEnd(44)}${'delivered/s'.padStart(12)}${'lost'.padStart(9)}${'CPU ns/emitted'.padStart(16)}${'CPU ns/delivered'.padStart(18)}${'peak RSS MB'.padStart(13)}${'vs stock'.padStart(10)}\n`,
  );
  const names: Record<string, string> = {
    stock: 'stock SDK (BLRP + exporter-logs-otlp-proto)',
    core: 'otel-logkit delivery core alone',
    ours: 'otel-logkit full pipeline (memory queue)',
    'ours-spool': 'otel-logkit full pipeline (spool on)',
  };
  for (const r of rows) {
    process.stdout.write(
      `${names[r.variant]!.padEnd(44)}${fmt(r.rate).padStart(12)}${fmt(r.lost).padStart(9)}${fmt(r.cpuNs).padStart(16)}${fmt(r.cpuDeliveredNs).padStart(18)}${r.rssMb.toFixed(0).padStart(13)}${`${(r.rate / stock.rate).toFixed(2)}x`.padStart(10)}\n`,
    );
  }
  for (const variant of variants.slice(1)) process.stdout.write(`  ${variant} stats (last round): ${JSON.stringify(results[variant]!.at(-1)!.counted)}\n`);

  if (!parts.includes('outage')) return;
  // The outage: 1M records with nothing listening, then the receiver comes up on that port.
  const probe = await startSink();
  const port = probe.port;
  probe.proc.kill();
  await new Promise((resolve) => probe.proc.once('exit', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'logkit-bench-outage-'));
  const runner = child(['outage', String(port), dir]);
  const written = await next<{ writtenSeconds: number; stats: Record<string, unknown> }>(runner, (m) => 'written' in m);
  const up = await startSink(port);
  runner.send('receiver up');
  const done = await next<{ seconds: number; rssWritten: number; peakRssBytes: number; cpuMicros: number; stats: Record<string, number> }>(runner, (m) => 'done' in m);
  const { records } = (await (await fetch(`http://127.0.0.1:${port}/count`)).json()) as { records: number };
  up.proc.kill();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\n${fmt(OUTAGE_BURST)}-record burst with the receiver down (spool on), receiver started after the burst\n`);
  process.stdout.write(`  burst written to the spool in ${written.writtenSeconds.toFixed(1)} s (spooled ${fmt(Number(written.stats.spooled))}, spool ${fmt(Number(written.stats.spool_bytes) / 2 ** 20)} MB)\n`);
  process.stdout.write(`  all delivered ${done.seconds.toFixed(1)} s after the first record; received by the receiver: ${fmt(records)}; lost: ${fmt(OUTAGE_BURST - Math.min(records, OUTAGE_BURST))}\n`);
  process.stdout.write(`  peak RSS: ${(done.peakRssBytes / 2 ** 20).toFixed(0)} MB (during the burst: ${(done.rssWritten / 2 ** 20).toFixed(0)} MB); CPU ${fmt((done.cpuMicros * 1000) / OUTAGE_BURST)} ns/record\n`);
  process.stdout.write(`  stats: ${JSON.stringify(done.stats)}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'sink') await sink(Number(args[0]));
else if (mode === 'run') {
  process.send!(await measure(args[0]!, args[1]!, BURST, args[2]));
  process.exit(0);
} else if (mode === 'outage') {
  await outage(Number(args[0]), args[1]!);
  process.exit(0);
} else await main();
