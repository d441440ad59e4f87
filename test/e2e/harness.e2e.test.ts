import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, ProcessBackend } from './harness/BackendLifecycle.js';
import { BackendStartError } from './harness/ManagedProcess.js';

// The process harness on its own, with shell commands standing in for backends: what the backend
// tests rely on when a start fails or a stop must leave nothing behind.

/** Running, as opposed to gone or a zombie waiting for a reaper that this container may not have. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('process harness', () => {
  const backends: ProcessBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.dispose()));
  });

  async function shellBackend(script: string, ready: () => Promise<boolean>, timeoutMs = 5_000) {
    const dataDir = await makeDataDir('harness');
    const backend = new ProcessBackend(
      dataDir,
      { name: 'fake', command: 'sh', args: ['-c', script], cwd: dataDir, logFile: join(dataDir, 'fake.log') },
      ready,
      timeoutMs,
    );
    backends.push(backend);
    return backend;
  }

  it('fails a start with the exit status and the log tail when the backend exits before it is ready', async () => {
    const backend = await shellBackend('echo "config error: no such port"; exit 3', async () => false);
    const error = await backend.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendStartError);
    expect((error as BackendStartError).code).toBe('E2E_BACKEND_START');
    expect((error as Error).message).toMatch(/exited with code 3[\s\S]*config error: no such port/);
  });

  it('fails a start with the log tail when the backend never becomes ready', async () => {
    const backend = await shellBackend('echo still warming up; exec sleep 60', async () => false, 1_000);
    await expect(backend.start()).rejects.toThrow(/not ready after 1000 ms[\s\S]*still warming up/);
  });

  it('stops the whole process tree, not only the process it started', async () => {
    const backend = await shellBackend('sleep 300 & echo $! > child.pid; wait', async () => true);
    await backend.start();
    const childPidFile = join(backend.dataDir, 'child.pid');
    const childPid = Number(
      await (async () => {
        for (let i = 0; i < 50; i++) {
          const text = await readFile(childPidFile, 'utf8').catch(() => '');
          if (text.trim()) return text;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('child never wrote its pid');
      })(),
    );
    expect(alive(childPid)).toBe(true);
    await backend.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(childPid)).toBe(false);
  });
});
