/**
 * A supervisor stops `npx otel-logkit collector` with SIGTERM. Some npm versions do not pass the
 * signal on: npx exits 143 and the collector, behind `sh -c`, kept its ports. Run here with a real
 * npx, in a project where the package is installed (linked, as `npm install` of the repository would),
 * and the collector must stop by itself, drain, and free its port.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts } from '../../fixtures/ports.js';
import { runChild } from '../../fixtures/run-child.js';
import { LoopbackReceiver } from '../../exporters/receiver.js';

const root = join(import.meta.dirname, '..', '..', '..');
let project: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli.js'))) await runChild('npm', ['run', 'build'], { cwd: root, timeout: 120_000 });
  project = mkdtempSync(join(tmpdir(), 'otel-logkit-npx-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'supervised', version: '1.0.0', private: true }));
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules', 'otel-logkit'));
  symlinkSync(join('..', 'otel-logkit', 'dist', 'cli.js'), join(project, 'node_modules', '.bin', 'otel-logkit'));
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('otel-logkit collector under a supervisor', () => {
  it('started with npx, stops when npx is sent SIGTERM (passed on or not), drains and frees its port', async () => {
    const backend = await LoopbackReceiver.start();
    // The npx on PATH, running under this Node (first on PATH).
    const npx = spawn('npx', ['--offline', 'otel-logkit', 'collector'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        HOME: project,
        OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0',
        OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none',
        OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url,
      },
    });
    let stdout = '';
    let stderr = '';
    npx.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Closed once every process holding the pipe has ended: npx and the collector.
    const closed = new Promise<void>((resolve) => npx.stdout.on('close', resolve));
    const started = await new Promise<{ endpoint: string }>((resolve, reject) => {
      npx.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.includes('collector started'));
        if (line) resolve(JSON.parse(line) as { endpoint: string });
      });
      npx.once('exit', (code) => reject(new Error(`npx ended (${code}) before the collector started: ${stderr}`)));
      npx.once('error', reject);
    });
    const port = Number(new URL(started.endpoint).port);
    expect(await accepts(port)).toBe(true);

    npx.kill('SIGTERM');
    await closed;
    expect(stdout).toMatch(/"message":"otel-logkit collector stopped","signal":"(SIGTERM|launcher ended)"/);
    expect(await accepts(port)).toBe(false);
    await backend.close();
  }, 60_000);
});
