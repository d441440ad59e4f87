/**
 * The CLI as users of node, npm and otelcol expect it: `--help`/`-h` on every command prints the
 * usage and does nothing else (the collector binds no port, the demo sends nothing), `--version`,
 * unknown options refused with the usage and exit code 2. Run from the built package, in real child
 * processes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../../fixtures/run-child.js';

const root = join(import.meta.dirname, '..', '..', '..');
const COMMANDS = ['demo', 'redact', 'view', 'doctor', 'dead-letter', 'audit', 'archive', 'collector'];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli.js'))) await runChild('npm', ['run', 'build'], { cwd: root, timeout: 120_000 });
}, 120_000);

function cli(args: string[], env: Record<string, string> = {}) {
  return runChild(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { cwd: root, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
}

describe('otel-logkit command line conventions', () => {
  it('--help and -h on every command print its usage on stdout, exit 0 and do nothing else', async () => {
    // A collector that started would not exit by itself: exit 0 with the usage is proof it did not.
    const runs = await Promise.all(COMMANDS.flatMap((command) => ['--help', '-h'].map(async (flag) => ({ command, flag, ...(await cli([command, flag])) }))));
    for (const run of runs) {
      expect({ command: run.command, flag: run.flag, code: run.code, stderr: run.stderr }).toEqual({ command: run.command, flag: run.flag, code: 0, stderr: '' });
      expect(run.stdout.startsWith(`usage: otel-logkit ${run.command}`), `${run.command} ${run.flag}: ${run.stdout}`).toBe(true);
      expect(run.stdout).not.toContain('collector started');
      expect(run.stdout).not.toContain('otel-logkit demo —');
    }
  });

  it('refuses an unknown option on every command with the usage on stderr and exit code 2', async () => {
    const runs = await Promise.all(COMMANDS.map(async (command) => ({ command, ...(await cli([command, '--no-such-option'])) })));
    for (const run of runs) {
      expect({ command: run.command, code: run.code }).toEqual({ command: run.command, code: 2 });
      expect(run.stderr, run.command).toContain(`usage: otel-logkit ${run.command}`);
    }
  });

  it('--version and -v print the package version; an unknown top-level option is refused with exit code 2', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await cli([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    const unknown = await cli(['--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: otel-logkit <command>');
  });

  it('a configuration error is one line naming the variable and exit code 2, never a stack trace', async () => {
    const demo = await cli(['demo'], { OTEL_LOGS_EXPORTER: 'fluentd' });
    expect(demo.code).toBe(2);
    expect(demo.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^otel-logkit: OTEL_LOGS_EXPORTER=fluentd: expected /)]);
    const collector = await cli(['collector'], { OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none' });
    expect(collector.code).toBe(2);
    expect(collector.stderr).toMatch(/^otel-logkit collector: OTEL_EXPORTER_OTLP_ENDPOINT=\(default\) http:\/\/localhost:4318\/v1\/logs: expected a destination other than this collector/);
  });
});
