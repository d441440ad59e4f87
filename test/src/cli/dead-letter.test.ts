import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { LokiReceiver } from '../../exporters/loki/loki-receiver.js';
import { LoopbackReceiver, text } from '../../exporters/receiver.js';

const root = join(import.meta.dirname, '../../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  cleanups.push(() => r.close());
  return r;
}

/** Runs the built CLI (`dist/cli.js`, as `npx otel-logkit` would) in a child process. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'dist/cli.js'), 'dead-letter', ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Fills a dead-letter directory the real way: the pipeline sends two batches to a receiver that
 * refuses them (400), and the delivery core writes one dead-letter file per batch.
 */
async function refusedBatches(dir: string, batches: string[][]): Promise<void> {
  const refusing = await receiver();
  refusing.answer = () => ({ status: 400, body: 'bad record' });
  const pipeline = createLogPipeline({
    env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: refusing.url, OTEL_LOGKIT_DEAD_LETTER_DIR: dir, OTEL_BLRP_SCHEDULE_DELAY: '5' },
  });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  const logger = provider.getLogger('orders');
  for (const batch of batches) {
    for (const body of batch) logger.emit({ severityNumber: SeverityNumber.INFO, body });
    await provider.forceFlush();
  }
  await provider.shutdown();
  expect(pipeline.stats().otlp).toMatchObject({ dead_lettered: batches.flat().length });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-dead-letter-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('otel-logkit dead-letter', () => {
  it('list and show: the refused batches, why, and their records', async () => {
    const dir = tempDir();
    await refusedBatches(dir, [['order 1 placed', 'order 2 placed']]);
    const [file] = files(dir);

    const listed = await cli(['list'], { OTEL_LOGKIT_DEAD_LETTER_DIR: dir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(file);
    expect(listed.stdout).toMatch(/otlp\s+2 records\s+\S+\s+HTTP 400/);
    expect(listed.stdout).toContain('1 files, 2 records');

    const shown = await cli(['show', file!, '--dir', dir], {});
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('destination: otlp');
    expect(shown.stdout).toContain('bad record');
    expect(shown.stdout).toMatch(/INFO\s+orders: order 1 placed/);
    expect(shown.stdout).toMatch(/INFO\s+orders: order 2 placed/);
  });

  it('replay: accepted batches are removed, a batch refused again stays with the new answer, and the exit code says so', async () => {
    const dir = tempDir();
    await refusedBatches(dir, [['good a', 'good b'], ['poison c']]);
    expect(files(dir)).toHaveLength(2);
    const backend = await receiver();
    backend.answer = (_n, received) => (received.records.some((r) => text(r.body)?.startsWith('poison')) ? { status: 400, body: 'still bad' } : { status: 200 });

    const replayed = await cli(['replay'], { OTEL_LOGKIT_DEAD_LETTER_DIR: dir, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url });
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/accepted .*2 records delivered to otlp; removed/);
    expect(replayed.stdout).toMatch(/refused .*1 of 1 records refused again by otlp/);
    expect(replayed.stdout).toContain('2 records accepted, 1 refused again, 0 not delivered');
    expect(backend.records.map((r) => text(r.body))).toEqual(['good a', 'good b']);

    const left = files(dir);
    expect(left).toHaveLength(1);
    const entry = JSON.parse(readFileSync(join(dir, left[0]!), 'utf8')) as { records: number; response: { body: string } };
    expect(entry).toMatchObject({ records: 1, response: { body: 'still bad' } });
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);

    // The poison record fixed at the backend: the last file goes too, and the exit code is 0.
    backend.answer = () => ({ status: 200 });
    const again = await cli(['replay'], { OTEL_LOGKIT_DEAD_LETTER_DIR: dir, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url });
    expect(again.code).toBe(0);
    expect(files(dir)).toEqual([]);
    expect(backend.records.map((r) => text(r.body))).toEqual(['good a', 'good b', 'poison c']);
  });

  it('replay to a backend that cannot be reached keeps every file as it was', async () => {
    const dir = tempDir();
    await refusedBatches(dir, [['waiting']]);
    const before = files(dir);
    const gone = await receiver();
    const url = gone.url;
    await gone.close();
    const replayed = await cli(['replay'], {
      OTEL_LOGKIT_DEAD_LETTER_DIR: dir,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url,
      OTEL_LOGKIT_RETRY_MAX_ELAPSED: '50',
      OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
    });
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/kept .*1 of 1 records not delivered to otlp \(network: 1\); the file stays/);
    expect(files(dir)).toEqual(before);
  });

  it('replay --destination sends the batches to another configured destination', async () => {
    const dir = tempDir();
    const out = tempDir();
    await refusedBatches(dir, [['rerouted']]);
    const replayed = await cli(['replay', '--destination', 'file'], { OTEL_LOGKIT_DEAD_LETTER_DIR: dir, OTEL_LOGKIT_FILE_DIR: out });
    expect(replayed.code).toBe(0);
    expect(readFileSync(join(out, 'logs.jsonl'), 'utf8')).toContain('rerouted');
    expect(files(dir)).toEqual([]);
  });

  it('replay finds a route target (loki(tenant=security)) among the configured routes and sends with its settings', async () => {
    const dir = tempDir();
    const loki = await LokiReceiver.start();
    cleanups.push(() => loki.close());
    const env = { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ROUTES: 'log.type=audit -> loki(tenant=security)', OTEL_LOGKIT_LOKI_ENDPOINT: loki.url.href, OTEL_LOGKIT_DEAD_LETTER_DIR: dir };
    loki.answers.push({ status: 400, body: 'entry out of order' });
    const pipeline = createLogPipeline({ env: { ...env, OTEL_BLRP_SCHEDULE_DELAY: '5' } });
    const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    provider.getLogger('audit').emit({ severityNumber: SeverityNumber.INFO, body: 'role granted', attributes: { 'log.type': 'audit' } });
    await provider.shutdown();
    expect(files(dir)).toEqual([expect.stringMatching(/^loki_tenant_security-/)]);

    const replayed = await cli(['replay'], env);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('delivered to loki_tenant_security');
    expect(loki.entries().map((e) => [e.line, e.tenant])).toEqual([['role granted', 'security']]);
  });

  it('usage and configuration errors exit 2 and say what is wrong', async () => {
    expect(await cli(['replay'], {})).toMatchObject({ code: 2, stderr: expect.stringContaining('OTEL_LOGKIT_DEAD_LETTER_DIR') });
    expect(await cli(['frobnicate'], {})).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown subcommand frobnicate') });
    const dir = tempDir();
    await refusedBatches(dir, [['x']]);
    expect(await cli(['replay', '--destination', 'nowhere'], { OTEL_LOGKIT_DEAD_LETTER_DIR: dir })).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown destination nowhere') });
  });
});
