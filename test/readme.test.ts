/**
 * Every JavaScript and TypeScript block of the README runs, as a user would paste it into a file of a
 * project that installed the package (the built package, linked; TypeScript through tsx), in a real
 * child process — so a snippet cannot miss an import or use a name it never declared. What a block
 * sends goes to a loopback sink; the few hosts and paths the README writes out for the reader
 * (`http://loki:3100`, `0.0.0.0:4318`, `/var/lib/app/spool`) are replaced by local ones, and nothing
 * else. A block that needs a service this machine does not run (a Kafka broker) must get as far as
 * connecting to it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopbackReceiver, text } from './exporters/receiver.js';
import { accepts, closedPort } from './fixtures/ports.js';
import { runChild } from './fixtures/run-child.js';

const root = join(import.meta.dirname, '..');

interface Snippet {
  line: number;
  lang: 'js' | 'ts';
  code: string;
}

/** The README's ```js and ```ts blocks, with the line each starts on. */
function readmeSnippets(): Snippet[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(js|ts)\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: readme.slice(0, match.index).split('\n').length,
    lang: match[1] as 'js' | 'ts',
    code: match[2]!,
  }));
}

let project: string;
let sink: LoopbackReceiver;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.js'))) await runChild('npm', ['run', 'build'], { cwd: root, timeout: 120_000 });
  // A user's project: the package and what the snippets import, installed (linked from this repository).
  project = mkdtempSync(join(tmpdir(), 'otel-logkit-readme-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-snippets', private: true, type: 'module' }));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'otel-logkit'));
  for (const name of ['@opentelemetry', 'tsx']) symlinkSync(join(root, 'node_modules', name), join(project, 'node_modules', name));
  sink = await LoopbackReceiver.start();
}, 120_000);

afterAll(async () => {
  await sink?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the README code blocks', () => {
  const snippets = readmeSnippets();

  it('are found (a change in the fences would silently test nothing)', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(9);
  });

  it.each(snippets.map((s) => [`line ${s.line} (${s.lang})`, s] as const))('run: README %s', async (_, snippet) => {
    const port = await closedPort();
    const dir = mkdtempSync(join(project, 'run-'));
    const code = snippet.code
      .replaceAll('http://loki:3100', new URL(sink.url).origin)
      .replaceAll('0.0.0.0:4318', `127.0.0.1:${port}`)
      .replaceAll('/var/lib/app/spool', join(dir, 'spool'));
    const file = join(dir, snippet.lang === 'ts' ? 'snippet.mts' : 'snippet.mjs');
    writeFileSync(file, code);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      OTEL_EXPORTER_OTLP_ENDPOINT: new URL(sink.url).origin,
      OTEL_LOGKIT_LOKI_ENDPOINT: new URL(sink.url).origin,
      OTEL_LOGKIT_ARCHIVE_DIR: join(dir, 'archive'),
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: '127.0.0.1:0',
      OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none',
    };
    const args = snippet.lang === 'ts' ? ['--import', 'tsx', file] : [file];
    const before = sink.records.length;

    if (code.includes('createCollector(')) {
      // A server: it must come up where the block says, and stop on the SIGTERM the block handles.
      const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      // Started (its SIGTERM handler is in place by then), and listening where it says.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve();
        });
        void exited.then((exitCode) => reject(new Error(`the collector block ended (${exitCode}): ${stderr}`)));
      });
      expect(stdout).toContain(`127.0.0.1:${port}`);
      expect(await accepts(port)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      return;
    }

    if (code.includes('KafkaSource')) {
      // No broker on this machine: every line before start() ran, and start() is refused for want of one.
      const result = await runChild(process.execPath, args, {
        cwd: dir,
        env: { ...env, OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: `127.0.0.1:${port}`, OTEL_LOGKIT_COLLECTOR_KAFKA_TIMEOUT: '200' },
        timeout: 60_000,
      });
      expect(result.stderr).not.toMatch(/ReferenceError|SyntaxError|TypeError|ERR_MODULE_NOT_FOUND|is not defined/);
      expect(result.stderr).toMatch(/broker|connect|ECONNREFUSED/i);
      return;
    }

    const result = await runChild(process.execPath, args, { cwd: dir, env, timeout: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Error|otel-logkit: .*(cannot reach|refused|not delivered)/);
    if (code.includes("body: 'order placed'") && code.includes('registerLogPipeline();') && !code.includes('withLogFlush')) {
      // The quick start: its record reached the backend.
      expect(sink.records.slice(before).map((r) => text(r.body))).toContain('order placed');
    }
  }, 90_000);
});
