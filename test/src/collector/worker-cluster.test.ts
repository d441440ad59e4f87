/**
 * `OTEL_LOGKIT_COLLECTOR_WORKERS`: the collector as several processes sharing its ports, run for real
 * (the CLI in a child process, node:cluster forking its workers) against a loopback backend.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { LoopbackReceiver, text } from '../../exporters/receiver.js';
import { type CollectorProcess, spawnCollector } from './child.js';
import { otlpJson, until } from './harness.js';

let backend: LoopbackReceiver;
let dir: string;
const running: CollectorProcess[] = [];

beforeAll(async () => {
  backend = await LoopbackReceiver.start();
  dir = mkdtempSync(join(tmpdir(), 'otel-logkit-workers-'));
});
afterEach(async () => {
  for (const collector of running.splice(0)) {
    collector.child.kill('SIGTERM');
    await collector.exited;
  }
  backend.received.length = 0;
});
afterAll(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function twoWorkers(env: Record<string, string> = {}): Promise<CollectorProcess> {
  const collector = await spawnCollector({
    OTEL_LOGKIT_COLLECTOR_WORKERS: '2',
    OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: '127.0.0.1:0',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url,
    OTEL_BLRP_SCHEDULE_DELAY: '10',
    ...env,
  });
  running.push(collector);
  return collector;
}

/** POSTs on a connection of its own (the primary hands each connection to the next worker in turn). */
function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: new Agent({ keepAlive: false }), headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Retries what a worker asked to retry (503 while it restarts), as an OTLP exporter does. */
async function postUntilAccepted(url: string, body: string): Promise<void> {
  for (;;) {
    const status = await post(url, body).catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const TRACE_FAILING = 'a'.repeat(32);
const TRACE_FINE = 'b'.repeat(32);

describe('otel-logkit collector with two workers', () => {
  it('serves one port from two processes, each with a spool of its own, and counts every record once on one /metrics', async () => {
    const spool = join(dir, 'spool');
    const collector = await twoWorkers({ OTEL_LOGKIT_SPOOL_DIR: spool });
    expect(collector.banner).toMatchObject({ workers: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => postUntilAccepted(collector.banner.endpoint, otlpJson([{ body: `record ${i}-a` }, { body: `record ${i}-b` }]))));
    await until(() => backend.records.length >= 40, 'all 40 records at the backend');
    expect(new Set(backend.records.map((r) => text(r.body))).size).toBe(40);
    // Each worker writes its own spool: a spool has one writer.
    expect(existsSync(join(spool, 'otlp'))).toBe(true);
    expect(existsSync(join(spool, 'worker-1', 'otlp'))).toBe(true);

    const metrics = await (await fetch(collector.banner.metrics!)).text();
    expect(metrics).toContain('otelcol_receiver_accepted_log_records{receiver="otlp",transport="http"} 40');
    expect(metrics).toContain('otel_logkit_collector_requests 20');
  }, 60_000);

  it('takes OTLP/gRPC on its shared gRPC port too', async () => {
    const collector = await twoWorkers();
    const grpc = (collector.banner as { grpcEndpoint?: string }).grpcEndpoint;
    expect(grpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Two senders, two connections: one for each worker.
    for (const name of ['first', 'second']) {
      const sender = createLogPipeline({
        env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: grpc!, OTEL_BLRP_SCHEDULE_DELAY: '10' },
      });
      const provider = new LoggerProvider({ processors: sender.processors, resource: sender.resource });
      provider.getLogger('grpc-app').emit({ severityNumber: SeverityNumber.WARN, body: `over gRPC from the ${name}` });
      await provider.shutdown();
      expect(sender.stats().otlp).toMatchObject({ exported: 1 });
    }
    await until(() => backend.records.length >= 2, 'both records at the backend');
    expect(backend.records.map((r) => text(r.body)).sort()).toEqual(['over gRPC from the first', 'over gRPC from the second']);
  }, 60_000);

  it('holds and releases one trace whole across workers: DEBUG records that reached either worker come out with the ERROR', async () => {
    const collector = await twoWorkers({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_WINDOW: '60000' });
    // Ten connections, handed to the two workers in turn: each worker sees DEBUG records of both traces.
    for (let i = 0; i < 10; i++) {
      await postUntilAccepted(
        collector.banner.endpoint,
        otlpJson([
          { body: `failing step ${i}`, severity: 5, traceId: TRACE_FAILING },
          { body: `fine step ${i}`, severity: 5, traceId: TRACE_FINE },
        ]),
      );
    }
    await postUntilAccepted(collector.banner.endpoint, otlpJson([{ body: 'failed', severity: 17, traceId: TRACE_FAILING }]));
    await until(() => backend.records.length >= 11, 'the ERROR and the ten DEBUG records of its trace');
    const bodies = backend.records.map((r) => text(r.body)).sort();
    expect(bodies).toEqual(['failed', ...Array.from({ length: 10 }, (_, i) => `failing step ${i}`)].sort());
    const metrics = await (await fetch(collector.banner.metrics!)).text();
    expect(metrics).toContain('otel_logkit_tail_held 20');
    expect(metrics).toContain('otel_logkit_tail_released 10');
  }, 60_000);

  it('starts a worker that died again, and keeps accepting meanwhile', async () => {
    const collector = await twoWorkers();
    const workers = await childrenOf(collector.child.pid!);
    expect(workers).toHaveLength(2);
    process.kill(workers[1]!, 'SIGKILL');
    await until(async () => (await childrenOf(collector.child.pid!)).filter((pid) => pid !== workers[1]).length === 2, 'a new second worker');
    await Promise.all(Array.from({ length: 10 }, (_, i) => postUntilAccepted(collector.banner.endpoint, otlpJson([{ body: `after ${i}` }]))));
    await until(() => backend.records.length >= 10, 'the ten records sent after the restart');
  }, 60_000);

  it('ends its workers when the primary is killed, so a collector started again is its spools’ only writer', async () => {
    const collector = await twoWorkers({ OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool-killed') });
    const workers = await childrenOf(collector.child.pid!);
    expect(workers).toHaveLength(2);
    collector.child.kill('SIGKILL');
    await collector.exited;
    await until(() => workers.every((pid) => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z'), 'both workers gone');
  }, 60_000);

  it('says at startup which spools of workers it does not start still hold records', async () => {
    const spool = join(dir, 'spool-left');
    mkdirSync(join(spool, 'worker-2', 'otlp'), { recursive: true });
    writeFileSync(join(spool, 'worker-2', 'otlp', 'segment'), 'records');
    mkdirSync(join(spool, 'worker-3', 'otlp'), { recursive: true }); // empty: nothing to say
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_COLLECTOR], {
      env: { PATH: process.env.PATH, OTEL_LOGKIT_COLLECTOR_WORKERS: '2', OTEL_LOGKIT_SPOOL_DIR: spool, OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0', OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => stderr.includes('worker-2 holds records'), 'the warning');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toContain('start the collector with OTEL_LOGKIT_COLLECTOR_WORKERS=3 or more to deliver them');
    expect(stderr).not.toContain('worker-3');
  }, 60_000);

  it('refuses bad configuration at startup with exit code 2 — the worker count, or a spool a worker cannot create — naming the variable', async () => {
    const exit = await runToExit({ OTEL_LOGKIT_COLLECTOR_WORKERS: 'many' });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('OTEL_LOGKIT_COLLECTOR_WORKERS=many');
    const silence = await runToExit({ OTEL_LOGKIT_COLLECTOR_WORKERS: '2', OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER: '1000' });
    expect(silence.code).toBe(2);
    expect(silence.stderr).toContain('OTEL_LOGKIT_COLLECTOR_WORKERS=2: expected 1 while OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER is set');
    // A worker's own configuration error (its spool cannot be created) ends the collector the same way.
    const spool = await runToExit({ OTEL_LOGKIT_COLLECTOR_WORKERS: '2', OTEL_LOGKIT_SPOOL_DIR: '/dev/null/spool' });
    expect(spool.code).toBe(2);
    expect(spool.stderr).toContain('OTEL_LOGKIT_SPOOL_DIR=/dev/null/spool');
  }, 30_000);
});

const RUN_COLLECTOR = fileURLToPath(new URL('./fixtures/run-collector.ts', import.meta.url));

function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_COLLECTOR], {
    env: { PATH: process.env.PATH, OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0', OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** The pids of a process's children (the cluster's workers), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const found = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return found.trim().split(/\s+/).filter(Boolean).map(Number);
}
