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

  it('sdk-parts: our stages as SDK processors around a stock batch processor hold, release, enrich and redact', async () => {
    const { stdout, stats } = await runExample('sdk-parts.ts');
    expect(stdout).toContain("body: 'paying with card [REDACTED:card]'");
    expect(stdout).toContain("'logkit.deferred': true");
    expect(stdout).toContain("'user.id': 'u-42'");
    expect(stdout).not.toContain('4111 1111 1111 1111');
    expect(stdout).not.toContain('its DEBUG history is discarded');
    expect(stats.deferred).toMatchObject({ buffered: 2, flushed: 1, discarded: 1 });
  });

  it('durable-exporter: a destination under the stock BatchLogRecordProcessor writes every record', async () => {
    const { stdout, stats } = await runExample('durable-exporter.ts');
    expect(stdout).toContain('OTLP-JSON line(s)');
    expect(stats.file).toMatchObject({ received: 3, exported: 3, failed: 0 });
  });

  it('config-file: OTEL_CONFIG_FILE drives resource, exporter, levels and our stages', async () => {
    const { stdout, stats } = await runExample('config-file.ts', { OTEL_CONFIG_FILE: join(root, 'examples/otel-config.yaml'), SERVICE_NAME: 'from-substitution' });
    expect(stdout).toContain("'service.name': 'from-substitution'");
    expect(stdout).toContain("body: 'billing logs DEBUG: the file says so'");
    expect(stdout).not.toContain('s3cr3t');
    expect(stdout).not.toContain('held: below the default minimum severity');
    expect(stats.console).toMatchObject({ received: 2, exported: 2 });
  });

  it('serverless-handler: each invocation delivers its records before it returns; a failing one releases its DEBUG history', async () => {
    const { stdout, stats } = await runExample('serverless-handler.ts');
    expect(stdout).toContain('order o-1 placed');
    expect(stdout).toContain('validating o-2');
    expect(stdout).not.toContain('validating o-1');
    expect(stats.console).toMatchObject({ received: 2, exported: 2 });
    expect(stats.deferred).toMatchObject({ flushed: 1, discarded: 1 });
  });

  it('dead-letter: a refused batch is listed, then replayed and removed once the backend accepts it', async () => {
    const { stdout, stats } = await runExample('dead-letter.ts');
    expect(stdout).toMatch(/otlp\s+1 records\s+\S+\s+HTTP 400/);
    expect(stdout).toContain('1 records accepted, 0 refused again');
    expect(stats).toEqual({ list: 0, replay: 0, left: 0 });
  });
});
