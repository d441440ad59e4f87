import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../../..');

interface RunningExample {
  url: string;
  /** Sends SIGTERM, waits for the exit, returns everything printed (records from the console exporter, then the stats line). */
  stop(): Promise<{ stdout: string; stats: Record<string, Record<string, unknown>> }>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts an example as a user would (its own Node process, console exporter, a free port) and waits for "listening on URL". */
async function startExample(file: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples', file)], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_LOGS_EXPORTER: 'console', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  while (!/listening on (\S+)/.test(stdout)) {
    if (child.exitCode !== null) throw new Error(`${file} exited early:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = /listening on (\S+)/.exec(stdout)![1]!;
  return {
    url,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      return { stdout, stats: JSON.parse(stdout.trim().split('\n').at(-1)!) };
    },
  };
}

describe('the Express and fastify examples', () => {
  it('express-service: records carry the global id returned to the caller, the external id and the user', async () => {
    const express = await startExample('express-service.ts');
    const ok = await fetch(`${express.url}/stock/42`, { headers: { 'x-request-id': 'my-ref', 'x-user-id': 'u-42' } });
    expect(ok.status).toBe(200);
    const id = ok.headers.get('x-correlation-id')!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await fetch(`${express.url}/fail`)).status).toBe(503);
    const { stdout, stats } = await express.stop();
    expect(stdout).toContain(`'correlation.global_id': '${id}'`);
    expect(stdout).toContain("'correlation.external_id': 'my-ref'");
    expect(stdout).toContain("'user.id': 'u-42'");
    expect(stdout).toContain("tags: [ '#orders' ]");
    expect(stats.console).toMatchObject({ received: 2, exported: 2 });
  });

  it('fastify-service calling express-service: both processes log under the one global id', async () => {
    const express = await startExample('express-service.ts');
    const fastify = await startExample('fastify-service.ts', { DOWNSTREAM_URL: express.url });
    const res = await fetch(`${fastify.url}/orders/42`, { headers: { 'x-correlation-id': 'checkout-7f3a' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('checkout-7f3a');
    expect(await res.json()).toEqual({ id: '42', stock: { sku: '42', available: 7 } });
    const downstream = await express.stop();
    const upstream = await fastify.stop();
    expect(upstream.stdout.match(/'correlation\.global_id': 'checkout-7f3a'/g)).toHaveLength(2);
    expect(downstream.stdout.match(/'correlation\.global_id': 'checkout-7f3a'/g)).toHaveLength(1);
    expect(upstream.stats.console).toMatchObject({ exported: 2 });
  });
});
