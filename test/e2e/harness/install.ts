import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BackendStartError } from './ManagedProcess.js';

export const E2E_DIR = fileURLToPath(new URL('..', import.meta.url));

const installs = new Map<string, Promise<string>>();

/**
 * Runs `test/e2e/scripts/install-<backend>.sh` once per test process and returns the path it prints
 * (a binary or a classpath file). The scripts are idempotent and cached, so this is fast when
 * `install.sh` has already run; on a cold machine it builds.
 */
export function ensureInstalled(backend: 'collector' | 'opensearch' | 'loki' | 'kafka' | 'collector-kafka' | 'python-otel'): Promise<string> {
  let pending = installs.get(backend);
  if (!pending) {
    pending = new Promise((resolve, reject) => {
      const script = `${E2E_DIR}scripts/install-${backend}.sh`;
      execFile('bash', [script], { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
        if (err) {
          const tail = stderr.split('\n').slice(-60).join('\n');
          reject(new BackendStartError(`installing ${backend} failed (${script}): ${err.message}\n${tail}`));
          return;
        }
        const lines = stdout.trim().split('\n');
        resolve(lines[lines.length - 1]!);
      });
    });
    installs.set(backend, pending);
  }
  return pending;
}
