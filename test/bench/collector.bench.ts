/**
 * The collector, side by side with the real OpenTelemetry Collector on the same machine and load
 * (issue #27): OTLP/HTTP protobuf requests of 500 records from 8 senders in flight → (ours: the
 * stages named by each row, then the memory queue or the spool | theirs: batch processor (100 ms
 * timeout), in-memory sending queue) → OTLP/HTTP protobuf, gzip, to one loopback sink that counts
 * the records. Each collector runs in its own process pinned to one core (`taskset -c 0`;
 * GOMAXPROCS=1 for theirs), the senders and the sink in this process on the other core. Its CPU
 * (user + system of all its threads, from /proc) is divided by the records delivered. Two rounds
 * each (`BENCH_COLLECTOR_ROUNDS`), the better one reported; `BENCH_COLLECTOR_RECORDS` sets the load.
 *
 * Both compress at gzip level 1 (ours by default; the Collector's default is 6, set to 1 here).
 * "2 workers" runs `OTEL_LOGKIT_COLLECTOR_WORKERS=2` on both cores — which the senders and the sink
 * share on this 2-core machine, so it understates what two free cores give.
 *
 * Rows: "equal work" is what the Collector does — no redaction, no tail deferral, memory queue;
 * "default stages" is `otel-logkit collector` as shipped (tail deferral, sampling, redaction);
 * "spool, fsync per commit" answers 200 only once the request's records are fsynced.
 *
 * Run: npm run bench -- collector (builds or reuses the e2e Collector binary, with the otlphttp exporter)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { gunzipSync } from 'node:zlib';
import { RequestFrameReader } from '../../exporters/codec/request-frames.js';
import { encodeOtlpProtobuf } from '../../exporters/codec/encode-protobuf.js';
import type { LogkitRecord, LogMap } from '../../src/core/record.js';
import { forwardingCollectorConfig } from '../e2e/harness/collector.js';
import { ensureInstalled } from '../e2e/harness/install.js';
import { standardRecord } from './standard-record.js';

const LOAD_RECORDS = Number(process.env.BENCH_COLLECTOR_RECORDS ?? 300_000);
const PER_REQUEST = 500;
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.BENCH_COLLECTOR_ROUNDS ?? 2);
const RUN_COLLECTOR = fileURLToPath(new URL('../src/collector/fixtures/run-collector.ts', import.meta.url));
const TICK_SECONDS = 0.01; // /proc CPU times are in clock ticks of 10 ms on Linux

// ---------- the sink: counts what arrives ----------

let delivered = 0;
/** Answers other than 200 (429/503: the collector asked the sender to back off). */
let backoffs = 0;
async function startSink(): Promise<{ server: Server; url: string }> {
  // Counts without decoding values: the sink shares a core with the senders and must not be the bottleneck.
  const frames = new RequestFrameReader({ maxValueBytes: 1 << 30, maxDepth: 1000 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      delivered += frames.read(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).records.length;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// ---------- the load ----------

function requestBody(): Buffer {
  // One logger's records, as an SDK sends them: one resource, one scope.
  const resource = resourceFromAttributes({ 'service.name': 'bench-sender' });
  const scope = { name: 'bench' };
  const now = Date.now();
  const records: LogkitRecord[] = Array.from({ length: PER_REQUEST }, (_, i) => {
    const r = standardRecord(i);
    return {
      hrTime: [Math.floor(now / 1000), i],
      hrTimeObserved: [Math.floor(now / 1000), i],
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: r.body as string,
      resource,
      instrumentationScope: scope,
      attributes: r.attributes as LogMap,
      droppedAttributesCount: 0,
    };
  });
  return encodeOtlpProtobuf(records);
}

async function sendLoad(url: string, body: Buffer): Promise<void> {
  let next = 0;
  const requests = LOAD_RECORDS / PER_REQUEST;
  const worker = async () => {
    while (next < requests) {
      next++;
      for (;;) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
        await res.arrayBuffer();
        if (res.ok) break;
        backoffs++;
        await new Promise((resolve) => setTimeout(resolve, 20)); // 429/503: back off briefly and resend
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

// ---------- the collectors ----------

interface Started {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function waitForPort(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nothing listens on ${url}`);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One core for a collector: both are measured on the same single core. */
const ONE_CORE = ['taskset', '-c', '0'];
const BOTH_CORES = ['taskset', '-c', '0,1'];

interface OurVariant {
  /** `batch`: fsync before each 200; false: the memory queue. */
  spool: false | 'batch';
  /** The default stages (tail deferral, redaction); false: only what the Collector does. */
  stages: boolean;
  /** `OTEL_LOGKIT_COLLECTOR_WORKERS`: 1 on core 0; 2 on both cores (shared with the senders and the sink). */
  workers?: 1 | 2;
  /** Both cores even for one worker: the control for the 2-worker rows (what sharing the cores with the load costs). */
  bothCores?: boolean;
}

/** Our collector, configured as `variant` says. */
async function startOurs(sink: string, dir: string, variant: OurVariant): Promise<Started> {
  const port = await freePort();
  const node = [process.execPath, ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), '--import', 'tsx', RUN_COLLECTOR];
  const [command, ...args] = [...(variant.workers === 2 || variant.bothCores ? BOTH_CORES : ONE_CORE), ...node];
  const child = spawn(command!, args, {
    env: {
      PATH: process.env.PATH,
      OTEL_LOGKIT_COLLECTOR_WORKERS: String(variant.workers ?? 1),
      OTEL_LOGKIT_COLLECTOR_ENDPOINT: `127.0.0.1:${port}`,
      OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none',
      OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${sink}/v1/logs`,
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
      ...(variant.spool ? { OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool'), OTEL_LOGKIT_SPOOL_FSYNC: variant.spool } : {}),
      ...(variant.stages ? {} : { OTEL_LOGKIT_REDACT_ENABLED: 'false', OTEL_LOGKIT_TAIL: 'false' }),
      // As the Collector's batch processor here: a batch goes at 8192 records or after 100 ms.
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '8192',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/v1/logs`;
  await once(child.stdout!, 'data');
  return { child, url, stop: () => stop(child) };
}

async function startTheirs(sink: string, dir: string): Promise<Started> {
  const binary = await ensureInstalled('collector');
  const port = await freePort();
  const config = join(dir, 'otelcol.yaml');
  // The load: gzip out, as ours.
  writeFileSync(config, forwardingCollectorConfig(port, sink).replace('compression: none', 'compression: gzip\n    compression_params:\n      level: 1'));
  const [command, ...args] = [...ONE_CORE, binary, `--config=${config}`];
  const child = spawn(command!, args, { env: { PATH: process.env.PATH, GOMAXPROCS: '1' }, stdio: ['ignore', 'ignore', 'ignore'] });
  const url = `http://127.0.0.1:${port}/v1/logs`;
  await waitForPort(url);
  return { child, url, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The CPU time of a process and of its live children (a collector's workers). */
function cpuSeconds(pid: number): number {
  let seconds = 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    seconds = (Number(fields[11]) + Number(fields[12])) * TICK_SECONDS; // utime, stime
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) seconds += cpuSeconds(Number(child));
  } catch {
    // gone meanwhile
  }
  return seconds;
}

interface Result {
  variant: string;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  /** This process's CPU (the senders and the sink) per record: on 2 cores, what the 2-worker rows share the cores with. */
  loadMicrosPerRecord: number;
  backoffs: number;
}

async function measure(variant: string, start: (sink: string, dir: string) => Promise<Started>, sink: string, body: Buffer): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-collector-'));
  const collector = await start(sink, dir);
  try {
    // A short warm-up, so all are measured hot: as much per worker (each process compiles its own hot code).
    delivered = 0;
    for (let i = 0; i < (variant.includes('2 workers') ? 2 : 1); i++) await sendLoad(collector.url, body).catch(() => {});
    delivered = 0;
    backoffs = 0;
    const cpuBefore = cpuSeconds(collector.child.pid!);
    const loadBefore = process.cpuUsage();
    const startedAt = performance.now();
    await sendLoad(collector.url, body);
    while (delivered < LOAD_RECORDS) await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = cpuSeconds(collector.child.pid!) - cpuBefore;
    const load = process.cpuUsage(loadBefore);
    return { variant, recordsPerSecond: LOAD_RECORDS / seconds, cpuMicrosPerRecord: (cpu * 1e6) / LOAD_RECORDS, loadMicrosPerRecord: (load.user + load.system) / LOAD_RECORDS, backoffs };
  } finally {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The senders and the sink keep off the collectors' core.
  spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const sink = await startSink();
  const body = requestBody();
  const best = new Map<string, Result>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [variant, start] of [
      ['otel-logkit collector, equal work (memory queue, no redaction, no tail)', (sink: string, dir: string) => startOurs(sink, dir, { spool: false, stages: false })],
      ['otel-logkit collector, default stages (memory queue)', (sink: string, dir: string) => startOurs(sink, dir, { spool: false, stages: true })],
      ['otel-logkit collector, equal work, spool (fsync per commit)', (sink: string, dir: string) => startOurs(sink, dir, { spool: 'batch', stages: false })],
      ['otel-logkit collector, equal work, 1 worker on 2 cores (shared with the load)', (sink: string, dir: string) => startOurs(sink, dir, { spool: false, stages: false, bothCores: true })],
      ['otel-logkit collector, equal work, 2 workers on 2 cores (shared with the load)', (sink: string, dir: string) => startOurs(sink, dir, { spool: false, stages: false, workers: 2 })],
      ['otel-logkit collector, default stages, 2 workers on 2 cores (shared with the load)', (sink: string, dir: string) => startOurs(sink, dir, { spool: false, stages: true, workers: 2 })],
      ['OTel Collector v0.162.0 (batch → otlphttp, memory queue)', startTheirs],
    ] as const) {
      const result = await measure(variant, start, sink.url, body);
      const previous = best.get(variant);
      if (!previous || result.recordsPerSecond > previous.recordsPerSecond) best.set(variant, result);
    }
  }
  sink.server.close();
  const results = [...best.values()];
  const theirs = results[results.length - 1]!;
  console.log(`${LOAD_RECORDS} records, ${PER_REQUEST} per request, ${IN_FLIGHT} senders in flight, gzip out, each collector on core 0 unless its row says otherwise; best of ${ROUNDS}`);
  console.log('| collector | records/s | CPU µs/record | load CPU µs/record | answers 429/503 |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of best.values()) {
    console.log(`| ${r.variant} | ${Math.round(r.recordsPerSecond).toLocaleString('en')} | ${r.cpuMicrosPerRecord.toFixed(1)} | ${r.loadMicrosPerRecord.toFixed(1)} | ${r.backoffs} |`);
  }
  for (const ours of results.slice(0, -1)) {
    console.log(`ratio ${ours.variant} / OTel Collector: throughput ${(ours.recordsPerSecond / theirs.recordsPerSecond).toFixed(2)}, CPU per record ${(ours.cpuMicrosPerRecord / theirs.cpuMicrosPerRecord).toFixed(2)}`);
  }
  for (const [one, two] of [
    [results[0]!, results[4]!],
    [results[1]!, results[5]!],
    [results[3]!, results[4]!],
  ]) {
    console.log(`ratio ${two.variant} / ${one.variant}: throughput ${(two.recordsPerSecond / one.recordsPerSecond).toFixed(2)}, CPU per record ${(two.cpuMicrosPerRecord / one.cpuMicrosPerRecord).toFixed(2)}`);
    // Two cores give at most 2 s of CPU per second, shared by the workers and the load.
    const ceiling = 2e6 / (two.cpuMicrosPerRecord + two.loadMicrosPerRecord);
    console.log(`  the 2 cores' ceiling for that row (2e6 µs/s ÷ (collector + load) µs/record): ${Math.round(ceiling).toLocaleString('en')} records/s, ${(ceiling / one.recordsPerSecond).toFixed(2)}× 1 worker`);
  }
}

await main();
