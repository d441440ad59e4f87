import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaks, readCorpus } from '../../processors/redaction/corpus/corpus.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `otel-logkit redact` in a real child process. */
function redact(args: string[], input: string | undefined, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'src', 'cli', 'run-redact.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

describe('otel-logkit redact', () => {
  it('redacts newline-delimited JSON objects, keeping untouched lines byte for byte', async () => {
    const lines = [
      '{"level":30,"time":1732262400000,"msg":"login password=hunter2","req":{"headers":{"authorization":"Bearer abc.def.ghi"}}}',
      '{ "level": 30, "msg": "healthy",   "id": 12345678901234567890 }',
      '{"level":50,"msg":"charge failed","card":"4111-1111-1111-1111","trace":12345678901234567890}',
    ];
    const run = await redact([], `${lines.join('\n')}\n`);
    expect(run.code).toBe(0);
    const out = run.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(3);
    expect(JSON.parse(out[0]!)).toEqual({ level: 30, time: 1732262400000, msg: 'login password=[REDACTED:password]', req: { headers: { authorization: '[REDACTED:authorization]' } } });
    expect(out[1]).toBe(lines[1]);
    // a rewritten line keeps integers beyond 2^53 exact
    expect(out[2]).toBe('{"level":50,"msg":"charge failed","card":"[REDACTED:card]","trace":12345678901234567890}');
    expect(run.stderr).toContain('3 values redacted in 2 of 3 lines');
  });

  it('treats lines that are not JSON as plain messages, and redacts a PEM key across lines', async () => {
    const input = ['plain text with jane@example.com', '{broken json password=hunter2', '-----BEGIN RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn', '-----END RSA PRIVATE KEY----- after', ''].join('\n');
    const run = await redact([], input);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'plain text with [REDACTED:email]',
      '{broken json password=[REDACTED:password]',
      '[REDACTED:private_key]',
      '[REDACTED:private_key]',
      '[REDACTED:private_key] after',
      '',
    ]);
  });

  it('redacts OTLP-JSON export requests by attribute key, and adds the summary attributes', async () => {
    const request = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1732262400000000000',
                  body: { stringValue: 'mail to bob@example.com' },
                  attributes: [
                    { key: 'db.password', value: { stringValue: 'S3cr3t' } },
                    { key: 'count', value: { intValue: '3' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const run = await redact([], `${JSON.stringify(request)}\n`);
    const record = JSON.parse(run.stdout).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.body).toEqual({ stringValue: 'mail to [REDACTED:email]' });
    expect(record.attributes).toEqual([
      { key: 'db.password', value: { stringValue: '[REDACTED:password]' } },
      { key: 'count', value: { intValue: '3' } },
      { key: 'redaction.count', value: { intValue: '2' } },
      { key: 'redaction.kinds', value: { arrayValue: { values: [{ stringValue: 'email' }, { stringValue: 'password' }] } } },
    ]);
  });

  it('reads a file, with the environment configuration of the processor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-redact-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, '{"msg":"call +49 30 1234 5678","user":"bob@example.com"}\n');
    const run = await redact([file], undefined, { OTEL_LOGKIT_REDACT_DETECTORS: 'phone,-email' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ msg: 'call [REDACTED:phone]', user: 'bob@example.com' });
  });

  it('hashes with the key from the environment, so equal values stay correlatable', async () => {
    const env = { OTEL_LOGKIT_REDACT_ACTIONS: 'email=hash', OTEL_LOGKIT_REDACT_HASH_KEY: 'cli-test-key-0123456789' };
    const run = await redact([], '{"a":"bob@example.com"}\n{"b":"bob@example.com"}\n', env);
    const [a, b] = run.stdout.trim().split('\n').map((l) => Object.values(JSON.parse(l) as Record<string, string>)[0]);
    expect(a).toMatch(/^\[HASH:email:[0-9a-f]{32}\]$/);
    expect(b).toBe(a);
  });

  it('redacts every secret of the corpus, fed as a log file', async () => {
    const corpus = readCorpus().filter((line) => line.label === 'secret' && !line.text.includes('\n'));
    const run = await redact([], `${corpus.map((line) => line.text).join('\n')}\n`);
    const out = run.stdout.split('\n');
    corpus.forEach((line, i) => {
      for (const secret of line.secrets!) expect(leaks(out[i]!, secret), line.text).toBe(false);
    });
  });

  it('exits 1 on an I/O error and 2 on a configuration error, naming the problem', async () => {
    const missing = await redact(['/nonexistent/app.log'], undefined);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
    const bad = await redact([], '', { OTEL_LOGKIT_REDACT_ACTION: 'hash' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('OTEL_LOGKIT_REDACT_HASH_KEY');
  });
});
