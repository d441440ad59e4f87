import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');

interface OtlpJsonLine {
  resourceLogs: { scopeLogs: { logRecords: { body?: { stringValue?: string }; attributes?: { key: string; value: Record<string, unknown> }[] }[] }[] }[];
}

function recordsIn(dir: string) {
  const lines = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
  return lines.flatMap((line) => (JSON.parse(line) as OtlpJsonLine).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)));
}

describe('the demo (npx otel-logkit demo) on the embedded default sink', () => {
  it('runs the built CLI with no backend, writes OTLP-JSON files under a temporary directory it names, and never writes the secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-demo-'));
    mkdirSync(join(dir, 'tmp'));
    const { stdout } = await run(process.execPath, [join(root, 'dist/cli.js'), 'demo'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: join(dir, 'tmp') },
      timeout: 60_000,
    });
    // Nothing in the user's directory: the files are under a temporary directory the summary names.
    expect(readdirSync(dir)).toEqual(['tmp']);
    const written = /written to:\s+(\S+)/.exec(stdout)?.[1];
    expect(written).toMatch(new RegExp(`^${join(dir, 'tmp')}/otel-logkit-demo-\\w+/logs\\.jsonl$`));
    expect(existsSync(written!)).toBe(true);
    const out = join(written!, '..');
    expect(stdout).toContain('20 requests, 4 failed');
    expect(stdout).toMatch(/emitted:\s+80/);
    expect(stdout).toMatch(/deferred:\s+40 held, 8 flushed on failure, 32 discarded on success/);

    const records = recordsIn(out);
    // 20 'checkout started' + 16 'checkout finished' + 4 ERROR + 2 held DEBUG records × 4 failed requests.
    expect(records).toHaveLength(20 + 16 + 4 + 8);
    const deferred = records.filter((r) => r.attributes?.some((a) => a.key === 'logkit.deferred'));
    expect(deferred).toHaveLength(8);
    const text = readdirSync(out)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('ghp_0123456789abcdefghijABCDEFGHIJ012345');
    expect(text).toContain('[REDACTED');
  });
});
