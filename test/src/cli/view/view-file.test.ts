import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runViewCommand } from '../../../../src/cli/view/command.js';
import { createLogPipeline } from '../../../../src/index.js';
import { emitRequestAcrossServices, type EmittedRequest } from '../request-across-services.js';
import { runCaptured } from './capture.js';

let dir: string;
let out: string;
let request: EmittedRequest;
let other: EmittedRequest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logkit-view-'));
  out = join(dir, 'otel-logs');
  const env = { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out, OTEL_BLRP_SCHEDULE_DELAY: '10' };
  request = await emitRequestAcrossServices(env);
  other = await emitRequestAcrossServices(env);
});

/** The record lines of the text view (offset, sequence, severity, body), and the gap lines, without the headers. */
function bodyLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^ {4}\+|⋯/.test(line));
}

describe('otel-logkit view --file (records written by the real pipeline to the file output)', () => {
  it('prints one request across services: grouped by service and execution, in time order, deferred marked, the error and the sequence gap shown', async () => {
    const { code, stdout } = await runCaptured(runViewCommand, [request.globalId, '--file', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(`request ${request.globalId}: 5 records · 2 services · 2 executions · 1 error · 1 deferred · 1 sequence gap`);
    expect(stdout).not.toContain(other.globalId);
    // checkout wrote first, so it comes first; each execution's records in time then sequence order.
    expect(stdout.indexOf('\ncheckout\n')).toBeLessThan(stdout.indexOf('\npayments\n'));
    const lines = bodyLines(stdout);
    expect(lines.map((l) => l.replace(/^ +\+[\d.]+ m?s +/, '').replace(/ +/g, ' ').trim())).toEqual([
      '#1 INFO order received',
      '#2 DEBUG cart loaded [deferred]',
      expect.stringMatching(/^#3 ERROR payment failed <script>/),
      '#1 INFO charge started',
      '⋯ #2 missing: not in the store (lost, sampled out or not yet ingested)',
      '#3 WARN card declined',
    ]);
    // Offsets are from the request's first record, so the services line up: payments started 12 ms in.
    expect(lines[3]).toMatch(/^ {4}\+12\.0 ms/);
  });

  it('runs as the command line linkFor() gives for the file output', async () => {
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out } });
    const view = pipeline.linkFor(request.globalId).view!;
    await pipeline.shutdown();
    expect(view).toBe(`npx otel-logkit view ${request.globalId} --file ${out}`);
    const cli = `${process.execPath} --import tsx ${join(import.meta.dirname, '../../../../src/cli.ts')}`;
    const { stdout } = await promisify(execFile)('sh', ['-c', view.replace('npx otel-logkit', cli)], { env: { PATH: process.env.PATH } });
    expect(stdout).toContain(`request ${request.globalId}: 5 records`);
  });

  it('reads one file of the output as well as its directory', async () => {
    const { code, stdout } = await runCaptured(runViewCommand, [request.globalId, '--file', join(out, 'logs.jsonl')]);
    expect(code).toBe(0);
    expect(stdout).toContain('5 records');
  });

  it('colours errors only on a terminal without NO_COLOR, and never lets a record write a control character to the terminal', async () => {
    const tty = await runCaptured(runViewCommand, [request.globalId, '--file', out], {}, true);
    expect(tty.stdout).toContain('\u001b[31m');
    expect(tty.stdout).toContain('\\u001b[31mred\\u001b[0m'); // the record's own escape sequence, shown, not obeyed
    const noColor = await runCaptured(runViewCommand, [request.globalId, '--file', out], { NO_COLOR: '1' }, true);
    const piped = await runCaptured(runViewCommand, [request.globalId, '--file', out]);
    for (const { stdout } of [noColor, piped]) expect(stdout).not.toContain('\u001b');
  });

  it('writes the same view as one HTML page with every value escaped and nothing fetched from the network', async () => {
    const html = join(dir, 'request.html');
    const { code, stderr } = await runCaptured(runViewCommand, [request.globalId, '--file', out, '--html', html]);
    expect(code).toBe(0);
    expect(stderr).toContain(`wrote ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('payment failed &lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
    expect(page).not.toMatch(/<img|<script>window/);
    expect(page).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect(page).toContain('DEFERRED'.toLowerCase());
    expect(page).toContain('#2 missing');
  });

  it('skips and reports a line that is not JSON, and answers 1 when no record holds the id', async () => {
    const copy = join(dir, 'damaged.jsonl');
    copyFileSync(join(out, 'logs.jsonl'), copy);
    appendFileSync(copy, `{"resourceLogs": [ truncated by a crash ${request.globalId}\n`);
    const damaged = await runCaptured(runViewCommand, [request.globalId, '--file', copy]);
    expect(damaged.code).toBe(0);
    expect(damaged.stdout).toContain('5 records');
    expect(damaged.stderr).toContain('1 line(s) holding the id are not JSON (skipped)');
    const missing = await runCaptured(runViewCommand, ['no-such-request', '--file', out]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('request no-such-request: 0 records');
  });

  it.each([
    [['--file', 'x'], 'give exactly one correlation id'],
    [['id'], 'give exactly one of --file, --loki, --elasticsearch'],
    [['id', '--file', 'x', '--loki', 'http://loki:3100'], 'give exactly one of --file, --loki, --elasticsearch'],
    [['id', '--loki', 'http://loki:3100', '--since', 'yesterday'], '--since yesterday: expected a number and a unit'],
  ])('refuses %j with exit code 2 naming the problem', async (args, message) => {
    const { code, stderr } = await runCaptured(runViewCommand, args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('refuses a bad exporter setting it reads (the Loki credentials) with exit code 2, naming the variable', async () => {
    const { code, stderr } = await runCaptured(runViewCommand, ['id', '--loki', 'http://127.0.0.1:9'], { OTEL_LOGKIT_LOKI_USERNAME: 'ops' });
    expect(code).toBe(2);
    expect(stderr).toContain('OTEL_LOGKIT_LOKI_USERNAME');
  });
});
