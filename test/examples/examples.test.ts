import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

/** Runs an example as users would (a separate Node process) with the console exporter, returns stdout. */
async function runExample(file: string, env: Record<string, string> = {}): Promise<{ stdout: string; stats: Record<string, Record<string, unknown>> }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'examples', file)], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_LOGS_EXPORTER: 'console', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...env },
    timeout: 60_000,
  });
  const lastLine = stdout.trim().split('\n').at(-1)!;
  return { stdout, stats: JSON.parse(lastLine) };
}

describe('examples run and deliver their records', () => {
  it('nodesdk-setup: records emitted through NodeSDK reach the exporter', async () => {
    const { stdout, stats } = await runExample('nodesdk-setup.ts');
    expect(stdout).toContain("body: 'order placed through NodeSDK'");
    expect(stats.console).toMatchObject({ received: 1, exported: 1 });
  });

  it('pino-bridge: pino calls become OTel records in the pipeline', async () => {
    const { stdout, stats } = await runExample('pino-bridge.ts');
    expect(stdout).toContain("body: 'order placed through pino'");
    expect(stdout).toContain("body: 'stock low through pino'");
    expect(stats.console).toMatchObject({ received: 2, exported: 2 });
  });

  it('winston-bridge: winston calls become OTel records in the pipeline', async () => {
    const { stdout, stats } = await runExample('winston-bridge.ts');
    expect(stdout).toContain("body: 'order placed through winston'");
    expect(stdout).toContain("body: 'payment failed through winston'");
    expect(stats.console).toMatchObject({ received: 2, exported: 2 });
  });
});
