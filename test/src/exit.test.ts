/**
 * The exit of a short script as a user meets it: the README's quick start, run in a real child
 * process against the built package, with no backend (nothing listens on the OTLP port), a backend
 * that never answers, a spool, a SIGTERM, and an explicit shutdown(). The time to exit is printed,
 * not asserted (machines are noisy); what is asserted is that the process ends by itself and says
 * once what happened.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild, type Outcome } from '../fixtures/run-child.js';
import { LoopbackReceiver, text } from '../exporters/receiver.js';

const root = join(import.meta.dirname, '..', '..');
let app: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.js'))) await run('npm', ['run', 'build'], { cwd: root });
  // The package as installed: node_modules/otel-logkit is the repository (its exports point at dist/).
  app = mkdtempSync(join(tmpdir(), 'otel-logkit-exit-'));
  mkdirSync(join(app, 'node_modules', '@opentelemetry'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', 'otel-logkit'));
  symlinkSync(join(root, 'node_modules', '@opentelemetry', 'api'), join(app, 'node_modules', '@opentelemetry', 'api'));
  cpSync(join(root, 'test', 'package', 'fixtures', 'esm', 'app.js'), join(app, 'app.mjs'));
  for (const file of readdirSync(join(import.meta.dirname, 'fixtures'))) cpSync(join(import.meta.dirname, 'fixtures', file), join(app, file));
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('a short script with no backend', () => {
  it('(the README quick start, OTEL_LOGS_EXPORTER unset) exits by itself, warns once naming the endpoint and the error, and says the record was lost', async () => {
    const endpoint = await unreachableOtlpEndpoint();
    const result = await run(process.execPath, ['app.mjs'], { cwd: app, env: userEnv(endpoint.env) });
    console.log(`time to exit, quick start with no backend (${endpoint.where}): ${result.ms} ms (before this change: ~30 s, the whole OTEL_BLRP_EXPORT_TIMEOUT)`);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes('cannot reach'))).toEqual([
      `otel-logkit: otlp: cannot reach ${endpoint.where} (ECONNREFUSED connect ECONNREFUSED ${endpoint.address}); retrying in the background (said once per outage); fix: start the OTLP/HTTP receiver (e.g. the Collector on port 4318), or set OTEL_EXPORTER_OTLP_ENDPOINT to where it listens`,
    ]);
    expect(lines.filter((l) => l.includes('not delivered'))).toEqual([
      `otel-logkit: not delivered before exit: 1 record for otlp (${endpoint.where} unreachable: ECONNREFUSED connect ECONNREFUSED ${endpoint.address}) and lost: set OTEL_LOGKIT_SPOOL_DIR to keep undelivered records for the next start`,
    ]);
    expect(lines).toHaveLength(2);
  });

  it('(an endpoint that answers 404) warns once with the status and the fix, and the exit line names the refusal without suggesting a spool', async () => {
    const receiver = await LoopbackReceiver.start();
    receiver.answer = () => ({ status: 404, body: '404 page not found' });
    try {
      const base = receiver.url.replace('/v1/logs', '/otlp-wrong');
      const result = await run(process.execPath, ['app.mjs'], { cwd: app, env: userEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: base }) });
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines.filter((l) => l.includes('refused the records'))).toEqual([
        `otel-logkit: otlp: ${base}/v1/logs refused the records (HTTP 404: 404 page not found); they are not retried and a spool would not keep them (said once per cause); fix: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL and /v1/logs is appended (/otlp-wrong/v1/logs was requested): set it without the path, e.g. http://localhost:4318, or to the backend's OTLP prefix (Loki: http://loki:3100/otlp)`,
      ]);
      expect(lines.filter((l) => l.includes('not delivered'))).toEqual([
        `otel-logkit: not delivered before exit: 1 record for otlp (refused by ${base}/v1/logs (HTTP 404)) and lost: refused for good, a spool would not help; fix the cause said above`,
      ]);
      expect(result.stderr).not.toContain('OTEL_LOGKIT_SPOOL_DIR');
    } finally {
      await receiver.close();
    }
  });

  it('keeps the record in the spool when there is one, and the next start delivers it', async () => {
    const spool = join(app, `spool-${Date.now()}`);
    const endpoint = await unreachableOtlpEndpoint();
    const first = await run(process.execPath, ['app.mjs'], { cwd: app, env: userEnv({ ...endpoint.env, OTEL_LOGKIT_SPOOL_DIR: spool }) });
    console.log(`time to exit, quick start with no backend and a spool: ${first.ms} ms`);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`not delivered before exit: 1 record for otlp (${endpoint.where} unreachable`);
    expect(first.stderr).toContain(`kept in the spool (${spool}) for the next start`);

    const receiver = await LoopbackReceiver.start();
    try {
      const second = await run(process.execPath, ['app.mjs'], { cwd: app, env: userEnv({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url, OTEL_LOGKIT_SPOOL_DIR: spool }) });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toBe('');
      expect(receiver.records.map((r) => text(r.body))).toEqual(['order placed', 'order placed']);
    } finally {
      await receiver.close();
    }
  });

  it('with a backend that accepts and never answers, stops at OTEL_LOGKIT_EXIT_TIMEOUT and says so', async () => {
    const silent = await silentServer();
    try {
      const env = userEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${silent.port}`, OTEL_LOGKIT_EXIT_TIMEOUT: '700' });
      const result = await run(process.execPath, ['app.mjs'], { cwd: app, env });
      console.log(`time to exit, backend that never answers, OTEL_LOGKIT_EXIT_TIMEOUT=700: ${result.ms} ms`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr.trim()).toBe(
        'otel-logkit: not delivered within OTEL_LOGKIT_EXIT_TIMEOUT (700 ms): 1 record for otlp and lost: set OTEL_LOGKIT_SPOOL_DIR to keep undelivered records for the next start',
      );
    } finally {
      silent.close();
    }
  });

  it('refuses a bad OTEL_LOGKIT_EXIT_TIMEOUT at startup, naming the variable', async () => {
    const result = await run(process.execPath, ['app.mjs'], { cwd: app, env: userEnv({ OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_EXIT_TIMEOUT: '5s' }) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('OTEL_LOGKIT_EXIT_TIMEOUT=5s: expected a whole number');
  });
});

describe('a service with no backend', () => {
  it('ends on SIGTERM as Node would, after saying what was lost', async () => {
    const endpoint = await unreachableOtlpEndpoint();
    const child = spawn(process.execPath, ['server-until-sigterm.mjs'], { cwd: app, env: userEnv(endpoint.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    const started = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    console.log(`time to exit after SIGTERM with no backend: ${Date.now() - started} ms`);
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    expect(stderr).toContain('not delivered before exit: 1 record for otlp');
    expect(stderr).toContain('and lost: set OTEL_LOGKIT_SPOOL_DIR');
  });

  it('counts the loss in stats() and says it once when the script ends with await shutdown()', async () => {
    const endpoint = await unreachableOtlpEndpoint();
    // shutdown() resolves within the exit bound; the delivery core's own flush wait (OTEL_BLRP_EXPORT_TIMEOUT)
    // still holds the process until it ends, so it is shortened here to keep the test quick.
    const env = userEnv({ ...endpoint.env, OTEL_BLRP_EXPORT_TIMEOUT: '2000' });
    const result = await run(process.execPath, ['shutdown-then-stats.mjs'], { cwd: app, env });
    console.log(`time to exit, await shutdown() with no backend, OTEL_BLRP_EXPORT_TIMEOUT=2000: ${result.ms} ms`);
    expect(result.code, result.stderr).toBe(0);
    // Given up by the delivery core within the bound: counted there (failed, by reason), said by the exit flush.
    expect(JSON.parse(result.stdout)).toEqual({ exit: { lost: 0, kept_in_spool: 0 }, failed: 1, failed_reasons: { network: 1 } });
    expect(result.stderr).toContain('not delivered before exit: 1 record for otlp');
  });
});

/**
 * The README's default endpoint (localhost:4318) when nothing listens there, as on a laptop with no
 * collector; else a loopback port just closed, which is the same situation.
 */
async function unreachableOtlpEndpoint(): Promise<{ env: Record<string, string>; where: string; address: string }> {
  if (!(await listening(4318, 'localhost'))) return { env: {}, where: 'http://localhost:4318', address: '127.0.0.1:4318' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, where: `http://127.0.0.1:${port}`, address: `127.0.0.1:${port}` };
}

function listening(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, host);
  });
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** The environment of a user's shell: no OTEL_* variables of ours, plus the ones given. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && name !== 'NODE_OPTIONS'));
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return runChild(command, args, { ...options, timeout: 60_000 });
}
