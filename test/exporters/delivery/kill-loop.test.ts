import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackReceiver, text } from '../receiver.js';
import { ChildSession, unaccounted } from './child-session.js';

const child = fileURLToPath(new URL('./fault-child.ts', import.meta.url));

/** The window the spool promises: a record is on disk this long after emit() at the latest (commit interval 5 ms, plus a turn of the event loop). */
const WINDOW_MS = 20;

let receiver: LoopbackReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

/**
 * Runs the streaming child until a random moment, kills it with SIGKILL, and returns when each record
 * number was emitted (child's clock): `emittedAt[n]` is a time no later than record n's emit().
 */
async function streamAndKill(env: Record<string, string>, prefix: string, afterMs: number): Promise<{ emittedAt: number[]; last: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, 'stream', prefix], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const emittedAt: number[] = [];
  let last = 0;
  let buffered = '';
  let killTimer: NodeJS.Timeout | undefined;
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [n, at] = line.split(' ').map(Number) as [number, number];
      for (let i = n; i < n + 10; i++) emittedAt[i] = at;
      last = at;
      killTimer ??= setTimeout(() => proc.kill('SIGKILL'), afterMs);
    }
  });
  const { signal } = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (_code, s) => resolve({ signal: s })));
  expect(signal).toBe('SIGKILL');
  return { emittedAt, last };
}

describe('a process killed with SIGKILL again and again', () => {
  it(`loses nothing emitted more than ${WINDOW_MS} ms before it died, and the next start says how much it replayed`, async () => {
    receiver = await LoopbackReceiver.start();
    let up = false;
    receiver.answer = () => (up ? { status: 200 } : { status: 503 });
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-killloop-'));
    const env = {
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
      OTEL_LOGKIT_SPOOL_DIR: spoolDir,
      OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '50',
      OTEL_LOGKIT_RETRY_MAX_BACKOFF: '200',
      OTEL_BLRP_EXPORT_TIMEOUT: '5000',
    };

    // Random kill moments, each after the stream is running; every run starts on what the last one left.
    const rounds: { prefix: string; emittedAt: number[]; last: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const prefix = `round${round}`;
      rounds.push({ prefix, ...(await streamAndKill(env, prefix, 150 + Math.random() * 350)) });
    }

    up = true;
    const drain = new ChildSession({ ...env, OTEL_BLRP_SCHEDULE_DELAY: '20' });
    expect(await drain.send('sleep 300')).toBe('ok');
    expect(await drain.send('flush')).toMatch(/^flushed \d+$/);
    const stats = await drain.stats();
    expect((await drain.shutdown()).code).toBe(0);
    expect(Number(stats.replayed)).toBeGreaterThan(0);
    expect(unaccounted(stats)).toBe(0);
    expect(stats).toMatchObject({ failed: 0, dropped: {} });

    const delivered = new Set(receiver.records.map((r) => text(r.body)));
    for (const { prefix, emittedAt, last } of rounds) {
      const old = emittedAt.flatMap((at, n) => (at <= last - WINDOW_MS ? [`${prefix} ${n}`] : []));
      expect(old.length).toBeGreaterThan(100);
      expect(old.filter((body) => !delivered.has(body))).toEqual([]);
    }
    // What the next start replayed is what the killed processes had committed and not delivered.
    expect(Number(stats.replayed)).toBeGreaterThanOrEqual(rounds.reduce((n, r) => n + r.emittedAt.filter((at) => at <= r.last - WINDOW_MS).length, 0));
  }, 40_000);
});

describe('a process that calls process.exit() right after logging', () => {
  it('writes what it accepted to the spool synchronously at exit; the next start delivers all of it', async () => {
    receiver = await LoopbackReceiver.start();
    let up = false;
    receiver.answer = () => (up ? { status: 200 } : { status: 503 });
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-exit-'));
    const env = { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url, OTEL_LOGKIT_SPOOL_DIR: spoolDir, OTEL_BLRP_EXPORT_TIMEOUT: '3000' };
    const first = new ChildSession(env);
    // Emitted and exited in the same turn: no timer, no background write got to run.
    first.ended();
    expect(await first.send('exit 3000 exited')).toBe('exited 0 null');

    up = true;
    const drain = new ChildSession({ ...env, OTEL_BLRP_SCHEDULE_DELAY: '20' });
    expect(await drain.send('flush')).toMatch(/^flushed \d+$/);
    const stats = await drain.stats();
    expect((await drain.shutdown()).code).toBe(0);
    // From the spool, or — exited before its delivery worker was up — from the journal of its first second.
    expect(stats).toMatchObject({ exported: 3000, failed: 0 });
    const delivered = new Set(receiver.records.map((r) => text(r.body)));
    expect(Array.from({ length: 3000 }, (_, i) => `exited ${i}`).filter((b) => !delivered.has(b))).toEqual([]);
  }, 30_000);
});
