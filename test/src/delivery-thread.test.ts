import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SeverityNumber } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../src/index.js';
import { LoopbackReceiver, text } from '../exporters/receiver.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Bytes in every file under `dir` (the spool's segments), read synchronously. */
function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** The bodies of the file output's OTLP JSON lines. */
function bodiesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  type Line = { resourceLogs: { scopeLogs: { logRecords: { body?: { stringValue?: string } }[] }[] }[] };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((line) => line !== '')
    .flatMap((line) => (JSON.parse(line) as Line).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords.map((rec) => rec.body?.stringValue ?? ''))));
}

describe('delivery in a worker thread (OTEL_LOGKIT_DELIVERY_THREAD=worker, the default)', () => {
  it("writes the spool while the application's thread is busy and never yields to its event loop", async () => {
    const spool = mkdtempSync(join(tmpdir(), 'logkit-worker-spool-'));
    // Nothing listens there: every record goes to the spool and stays.
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:9/v1/logs', OTEL_LOGKIT_SPOOL_DIR: spool } });
    const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    await pipeline.forceFlush(); // the worker is up
    const before = bytesUnder(spool);
    for (let i = 0; i < 200; i++) provider.getLogger('busy').emit({ severityNumber: SeverityNumber.INFO, body: `busy ${i} ${'x'.repeat(200)}` });
    // Synchronous from here: no timer, no I/O callback of this thread can run.
    const deadline = Date.now() + 10_000;
    let grown = 0;
    while (Date.now() < deadline && grown < 200 * 200) grown = bytesUnder(spool) - before;
    expect(grown).toBeGreaterThanOrEqual(200 * 200);
    await pipeline.shutdown();
    expect(pipeline.stats().delivery_thread).toMatchObject({ transferred: 200, in_transfer: 0, restarts: 0 });
    expect(pipeline.stats().otlp).toMatchObject({ received: 200 });
  });

  it('hands redaction to the worker: what reaches the destination is redacted, and stats() shows the redaction section', async () => {
    const out = mkdtempSync(join(tmpdir(), 'logkit-worker-redact-'));
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out } });
    const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    provider.getLogger('redact').emit({ severityNumber: SeverityNumber.INFO, body: 'card 4111 1111 1111 1111 charged', attributes: { password: 'hunter2' } });
    await pipeline.shutdown();
    const text = readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    expect(text).toContain('charged');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('hunter2');
    expect(pipeline.stats().redaction).toBeDefined();
    expect(pipeline.stats().file).toMatchObject({ received: 1, exported: 1 });
  });

  /** The restart child (fixtures/worker-restart-child.ts): its worker ends once, while it holds the first 100 records. */
  async function runRestartChild(dir: string, env: Record<string, string>): Promise<{ delivery_thread: { restarts: number; lost_in_restart: number } }> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(FIXTURES, 'end-delivery-worker.mjs'), join(FIXTURES, 'worker-restart-child.ts')], {
      env: {
        PATH: process.env.PATH,
        // Records wait in the worker's memory for the batch delay: the worker ends holding them.
        OTEL_BLRP_SCHEDULE_DELAY: '5000',
        LOGKIT_TEST_END_WORKER_MARKER: join(dir, 'ended'),
        LOGKIT_TEST_END_WORKER_TRIGGER: join(dir, 'end-now'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(existsSync(join(dir, 'ended'))).toBe(true);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { delivery_thread: { restarts: number; lost_in_restart: number } };
  }

  it('a restarted worker runs the configuration the application started with, though the file and the environment changed since', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-worker-pinned-'));
    const out = join(dir, 'out');
    const file = join(dir, 'otel.yaml');
    const yaml = (to: string) => `file_format: "1.0"\notel_logkit:\n  exporters: [file]\n  delivery:\n    scheduleDelayMs: 5000\n    file:\n      dir: ${to}\n`;
    writeFileSync(file, yaml(out));
    const stats = await runRestartChild(dir, { OTEL_CONFIG_FILE: file, LOGKIT_TEST_REWRITE_CONFIG: yaml(join(dir, 'elsewhere')) });
    expect(stats.delivery_thread.restarts).toBe(1);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
    expect(Array.from({ length: 100 }, (_, i) => `after ${i}`).filter((b) => !bodiesIn(out).includes(b))).toEqual([]);
  }, 30_000);

  it('restarts a worker that ends, counts what it held in memory as lost, and delivers what comes after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-worker-restart-'));
    const out = join(dir, 'out');
    const stats = await runRestartChild(dir, { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out });
    expect(stats.delivery_thread.restarts).toBe(1);
    const bodies = bodiesIn(out);
    // Everything logged after the restart arrives; what the ended worker held is counted, not silently gone.
    expect(Array.from({ length: 100 }, (_, i) => `after ${i}`).filter((b) => !bodies.includes(b))).toEqual([]);
    const lostBefore = 100 - bodies.filter((b) => b.startsWith('before ')).length;
    expect(lostBefore).toBeGreaterThan(0);
    expect(stats.delivery_thread.lost_in_restart).toBeGreaterThanOrEqual(lostBefore);
  }, 30_000);

  it('a process killed in its first second, before its worker is up, keeps what it logged: the next start delivers it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-first-second-'));
    const out = join(dir, 'out');
    const env = { PATH: process.env.PATH, OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out, OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool'), LOGKIT_TEST_MARKER: join(dir, 'logged') };
    const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'first-second-child.ts'), 'log'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!existsSync(env.LOGKIT_TEST_MARKER)) await new Promise((resolve) => setTimeout(resolve, 5));
    // The records were written where a kill cannot reach them: the journal of the first second.
    const journals = readdirSync(join(dir, 'spool', '.handoff'));
    child.kill('SIGKILL');
    await exited;
    expect(journals.length).toBeGreaterThan(0);
    const replay = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'first-second-child.ts'), 'replay'], { env, stdio: 'ignore' });
    expect(await new Promise((resolve) => replay.on('exit', resolve))).toBe(0);
    const bodies = bodiesIn(out);
    expect(Array.from({ length: 300 }, (_, i) => `early ${i}`).filter((b) => !bodies.includes(b))).toEqual([]);
    expect(existsSync(join(dir, 'spool', '.handoff'))).toBe(false);
  }, 30_000);

  it('when the ring and its overflow are full (OTEL_LOGKIT_WHEN_FULL=drop, the default without a spool), the least severe records go first, each counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-when-full-'));
    const out = join(dir, 'out');
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', join(FIXTURES, 'stall-delivery-worker.mjs'), join(FIXTURES, 'when-full-child.ts')], {
      env: {
        PATH: process.env.PATH,
        OTEL_LOGS_EXPORTER: 'file',
        OTEL_LOGKIT_FILE_DIR: out,
        OTEL_LOGKIT_QUEUE_MAX_BYTES: '1MiB',
        LOGKIT_TEST_STALL: join(dir, 'stall'),
        LOGKIT_TEST_STALLED: join(dir, 'stalled'),
        LOGKIT_TEST_RELEASE: join(dir, 'release'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve)), stderr).toBe(0);
    const stats = JSON.parse(stdout.trim().split('\n').at(-1)!) as { delivery_thread: { dropped: Record<string, number> }; file: { dropped: Record<string, number> } };
    const bodies = bodiesIn(out).map((b) => b.split(' ').slice(0, 2).join(' '));
    // Every ERROR arrived though they came last; INFO records made way for them, and each one given up is counted.
    expect(Array.from({ length: 20 }, (_, i) => `error ${i}`).filter((b) => !bodies.includes(b))).toEqual([]);
    const infos = bodies.filter((b) => b.startsWith('info ')).length;
    expect(infos).toBeLessThan(200);
    // Shed at the hand-over, and then by the destination's own queue (the same bound, also least severe first).
    expect(stats.delivery_thread.dropped.queue_full).toBeGreaterThan(0);
    expect(stats.delivery_thread.dropped.queue_full + (stats.file.dropped.queue_full ?? 0)).toBe(200 - infos);
  }, 30_000);

  it('starts under V8 flags the worker refuses as its own (node --max-old-space-size=…): they apply to it anyway', async () => {
    const backend = await LoopbackReceiver.start();
    const env = { PATH: process.env.PATH, OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url };
    // From source (the worker is given --import tsx explicitly) and as the package runs (the worker inherits the flags).
    for (const args of [['--max-old-space-size=256', '--import', 'tsx', join(FIXTURES, 'v8-flags-child.ts')], ['--max-old-space-size=256', join(FIXTURES, 'shutdown-then-stats.mjs')]]) {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(err).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
      expect(code).toBe(0);
    }
    expect(backend.records.map((r) => text(r.body)).sort()).toEqual(['nightly job done', 'record 0', 'record 1', 'record 2']);
    await backend.close();
  }, 60_000);
});
