/**
 * The package as a user meets it: `npm pack` of the build, installed into small consumer projects
 * (ESM, CommonJS, TypeScript CJS and ESM, NodeSDK, a bundler), type-checked with the repository's
 * TypeScript and run in real Node processes. No network: the tarball is unpacked into a temporary
 * node_modules whose other packages are links to the repository's, so the consumer and the library
 * load the same @opentelemetry/api.
 */
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild as run, type Outcome } from '../fixtures/run-child.js';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const requiredNode = manifest.engines.node.replace(/^>=\s*/, '');

let workspace: string;
let tarball: string;

beforeAll(async () => {
  // `npm test` builds just before the tests; a bare `vitest run` may not have.
  if (!existsSync(join(root, 'dist', 'index.js'))) await succeed('npm', ['run', 'build'], { cwd: root, timeout: 60_000 });
  workspace = mkdtempSync(join(tmpdir(), 'otel-logkit-consumers-'));
  const packed = await succeed('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', workspace], { cwd: root });
  tarball = join(workspace, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);

  const modules = join(workspace, 'node_modules');
  mkdirSync(join(modules, 'otel-logkit'), { recursive: true });
  await succeed('tar', ['xzf', tarball, '-C', join(modules, 'otel-logkit'), '--strip-components=1']);
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'otel-logkit') continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  for (const project of readdirSync(fixtures)) cpSync(join(fixtures, project), join(workspace, project), { recursive: true });
}, 120_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('carries the license, one declaration file per module format, and no second copy of the library or of its sources', async () => {
    const listing = await succeed('tar', ['tzf', tarball]);
    const files = listing.stdout.trim().split('\n').map((line) => line.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/cli.js']));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);

    const installed = join(workspace, 'node_modules', 'otel-logkit');
    const cli = readFileSync(join(installed, 'dist', 'lib', 'cli.js'), 'utf8');
    expect(cli).toMatch(/from "\.\/chunk-[\w-]+\.js"/);
    expect(cli.length).toBeLessThan(64 * 1024);
    for (const map of files.filter((file) => file.endsWith('.map'))) {
      expect(JSON.parse(readFileSync(join(installed, map), 'utf8'))).not.toHaveProperty('sourcesContent');
    }
  });

  it('has types that resolve for node10, node16 (CJS and ESM) and bundlers, as @arethetypeswrong/cli checks them', async () => {
    const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    const result = await run(process.execPath, [attw, tarball, '--format', 'table-flipped', '--no-color'], { cwd: workspace });
    expect(result.stdout + result.stderr).toContain('No problems found');
    expect(result.code).toBe(0);
  });
});

describe('a consumer project', () => {
  it('in ESM JavaScript writes its first record to a file with OTEL_LOGS_EXPORTER=file and exits by itself', async () => {
    const lines = await runApp('esm', ['app.js']);
    expect(lines).toContain('order placed');
    expect(lines).toContain('"user.id"');
    expect(lines).toContain('"correlation.global_id"');
  });

  it("in ESM JavaScript is, word for word, the README's quick start", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`// app.mjs\n${readFileSync(join(fixtures, 'esm', 'app.js'), 'utf8')}\`\`\``);
  });

  it('in CommonJS JavaScript requires the package and writes its record', async () => {
    expect(await runApp('cjs', ['app.js'])).toContain('hello from CommonJS');
  });

  it('in TypeScript CommonJS (nodenext, and node16, which refuses to require ESM) type-checks against the CommonJS declarations and runs', async () => {
    await Promise.all([typecheck('ts-cjs', 'tsconfig.node16.json'), typecheck('ts-cjs')]);
    const out = join(workspace, 'ts-cjs', 'out', 'app.js');
    expect(readFileSync(out, 'utf8')).toContain('require("otel-logkit")');
    expect(await runApp('ts-cjs', ['out/app.js'])).toContain('hello from TypeScript CommonJS');
  });

  it('in TypeScript ESM (nodenext) type-checks against the ESM declarations (stats() typed per section) and runs', async () => {
    await typecheck('ts-esm');
    const lines = await runApp('ts-esm', ['out/app.js']);
    expect(lines).toContain('hello from TypeScript ESM');
    expect(lines).toContain('u-7');
  });

  it('bundled to CommonJS by esbuild gets the library itself (the "module" condition) and runs', async () => {
    await build({
      entryPoints: [join(workspace, 'esm', 'bundle-entry.js')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      outfile: join(workspace, 'esm', 'bundle.cjs'),
      logLevel: 'error',
    });
    expect(await runApp('esm', ['bundle.cjs'])).toContain('hello from a CommonJS bundle');
  });

  it('loading both the ESM and the CommonJS build has one execution context: an execution opened through one copy is seen by the other', async () => {
    const { dir, env } = setUp('dual');
    const result = await run(process.execPath, ['app.js'], { cwd: dir, env, timeout: 15_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('esm sees u-cjs');
    expect(result.stdout).toContain('second registration: LOGKIT_ALREADY_REGISTERED');
    const byBody = new Map(otlpRecords(dir).map((r) => [r.body, r.attributes]));
    expect(byBody.get('opened through ESM')).toMatchObject({ 'user.id': 'u-esm', tags: ['#dual'], 'correlation.global_id': expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(byBody.get('opened through ESM')).toHaveProperty('correlation.local_id');
    expect(byBody.get('opened through CommonJS')).toMatchObject({ 'user.id': 'u-cjs' });
    // The CommonJS pipeline heard the end of an execution the ESM copy opened, and flushed its held DEBUG record.
    expect(byBody.get('held debug, flushed when the execution fails')).toMatchObject({ 'user.id': 'u-failing', 'logkit.deferred': true });
  });

  it('as a NodeSDK script that awaits sdk.shutdown() at its end keeps its last record', async () => {
    expect(await runApp('nodesdk', ['script.js'])).toContain('nightly report done');
  });

  it('as a NodeSDK server flushes and exits promptly on SIGTERM', async () => {
    const { dir, env } = setUp('nodesdk');
    const child = spawn(process.execPath, ['server.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${stderr}`)));
    });
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(records(dir)).toContain('server listening');

    const setup = readFileSync(join(fixtures, 'nodesdk', 'server.js'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme, "the README's NodeSDK snippet").toContain(setup.slice(setup.indexOf('const logkit'), setup.indexOf('\n\nconst server')));
  });
});

const oldNode = findOldNode();

describe('on a Node older than engines.node', () => {
  const skipped = oldNode === undefined ? ` (skipped: no Node older than ${requiredNode} is installed here)` : '';
  it.runIf(oldNode !== undefined)(`loading the package says which Node it found and which it needs (ESM, CommonJS, CLI)${skipped}`, async () => {
    const expected = `otel-logkit needs Node.js >= ${requiredNode}, but this is Node.js ${oldNode!.version}`;
    for (const [project, args] of [
      ['esm', ['app.js']],
      ['cjs', ['app.js']],
      ['.', [join('node_modules', 'otel-logkit', 'dist', 'cli.js'), 'demo']],
    ] as const) {
      const result = await run(oldNode!.path, [...args], { cwd: join(workspace, project) });
      expect(result.code, `${project}: ${result.stderr}`).not.toBe(0);
      expect(result.stderr).toContain(expected);
      expect(result.stderr).not.toMatch(/zstdCompress|ERR_INVALID_ARG_TYPE/);
    }
  });
});

/** Runs a consumer with the file exporter into its own folder and returns what reached the file. */
async function runApp(project: string, args: string[]): Promise<string> {
  const { dir, env } = setUp(project);
  const result = await run(process.execPath, args, { cwd: dir, env, timeout: 15_000 });
  expect(result.code, result.stderr).toBe(0);
  expect(result.ms, 'the process should exit by itself, promptly').toBeLessThan(10_000);
  return records(dir);
}

function setUp(project: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = join(workspace, project);
  rmSync(join(dir, 'otel-logs'), { recursive: true, force: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && name !== 'NODE_OPTIONS'));
  return {
    dir,
    env: {
      ...env,
      OTEL_LOGS_EXPORTER: 'file',
      OTEL_LOGKIT_FILE_DIR: join(dir, 'otel-logs'),
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    },
  };
}

/** The records of the file exporter's OTLP-JSON lines, with attributes as plain values. */
function otlpRecords(dir: string): { body: unknown; attributes: Record<string, unknown> }[] {
  type Value = { stringValue?: string; boolValue?: boolean; intValue?: string; arrayValue?: { values?: Value[] } };
  const plain = (v: Value): unknown => v.stringValue ?? v.boolValue ?? v.intValue ?? v.arrayValue?.values?.map(plain);
  return records(dir)
    .trim()
    .split('\n')
    .flatMap((line) => (JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: { body: Value; attributes?: { key: string; value: Value }[] }[] }[] }[] }).resourceLogs)
    .flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords))
    .map((r) => ({ body: plain(r.body), attributes: Object.fromEntries((r.attributes ?? []).map((a) => [a.key, plain(a.value)])) }));
}

function records(dir: string): string {
  const file = join(dir, 'otel-logs', 'logs.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function typecheck(project: string, config = 'tsconfig.json'): Promise<void> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-p', join(workspace, project, config)], { cwd: workspace });
  expect(result.stdout + result.stderr, 'tsc').toBe('');
  expect(result.code).toBe(0);
}

function findOldNode(): { path: string; version: string } | undefined {
  let candidates = ['/usr/bin/node', '/usr/local/bin/node'];
  try {
    candidates = [...execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).trim().split('\n'), ...candidates];
  } catch {
    // no `which`: the usual places only
  }
  for (const path of new Set(candidates)) {
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (compare(version, requiredNode) < 0) return { path, version };
  }
  return undefined;
}

function compare(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

async function succeed(command: string, args: string[], options: { cwd?: string; timeout?: number } = {}): Promise<Outcome> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result;
}
