import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, '../fixtures/crash-and-serverless.ts');

function run(how: string, env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, how], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** The bodies the file output holds, with their `logkit.deferred` mark. */
function delivered(dir: string): { body: string; deferred: boolean }[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n')).filter((l) => l !== '');
  type Line = { resourceLogs: { scopeLogs: { logRecords: { body?: { stringValue?: string }; attributes?: { key: string; value: { boolValue?: boolean } }[] }[] }[] }[] };
  return lines.flatMap((line) =>
    (JSON.parse(line) as Line).resourceLogs.flatMap((r) =>
      r.scopeLogs.flatMap((s) => s.logRecords.map((rec) => ({ body: rec.body?.stringValue ?? '', deferred: rec.attributes?.some((a) => a.key === 'logkit.deferred' && a.value.boolValue === true) ?? false }))),
    ),
  );
}

function environment(): { env: Record<string, string>; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-crash-'));
  const out = join(dir, 'out');
  return { out, env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out, OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool'), OTEL_LOGKIT_LEVEL: 'info', OTEL_BLRP_SCHEDULE_DELAY: '5000' } };
}

describe('a process that dies of its own error', () => {
  for (const how of ['throw', 'reject'] as const) {
    it(`(${how === 'throw' ? 'uncaught exception' : 'unhandled rejection'}) exits as it would have, with the failing work's held DEBUG history released to the spool and delivered by the next start`, async () => {
      const { env, out } = environment();
      const crashed = await run(how, env);
      expect(crashed.code).toBe(1);
      expect(crashed.stderr).toContain('the application crashed');
      const replay = await run('replay', env);
      expect(replay.code).toBe(0);
      const records = delivered(out);
      for (let i = 0; i < 3; i++) expect(records).toContainEqual({ body: `${how} debug ${i}`, deferred: true });
      expect(records.map((r) => r.body)).toContain(`${how} info`);
    });
  }
});

describe('withLogFlush(handler)', () => {
  it('delivers everything a handler logged before it returns, so a sandbox frozen right after loses nothing', async () => {
    const { env, out } = environment();
    const result = await run('lambda-ok', { ...env, OTEL_LOGKIT_SPOOL_DIR: '' });
    expect(result.signal).toBe('SIGKILL');
    const records = delivered(out);
    expect(records.map((r) => r.body)).toEqual(['lambda-ok info']);
  });

  it('marks a failing invocation failed: its held DEBUG history is delivered with it before the error propagates', async () => {
    const { env, out } = environment();
    const result = await run('lambda-fail', { ...env, OTEL_LOGKIT_SPOOL_DIR: '' });
    expect(result.signal).toBe('SIGKILL');
    const bodies = delivered(out).map((r) => r.body);
    expect(bodies).toEqual(expect.arrayContaining(['lambda-fail debug 0', 'lambda-fail debug 1', 'lambda-fail debug 2', 'lambda-fail info']));
  });
});
