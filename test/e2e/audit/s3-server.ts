import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeDataDir, ProcessBackend, type BackendLifecycle } from '../harness/BackendLifecycle.js';
import { E2E_DIR } from '../harness/install.js';
import { freePort } from '../harness/ports.js';

export interface S3Backend extends BackendLifecycle {
  /** e.g. http://127.0.0.1:41234, path-style buckets. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The directory that holds the buckets (versitygw's posix backend: one subdirectory per bucket). */
  readonly root: string;
}

/**
 * Starts versitygw (built by scripts/install-s3.sh) with its posix backend on a free loopback port,
 * with a root user whose keys the tests sign with. A real S3 server: SigV4 checked on every request.
 */
export async function startS3(buckets: readonly string[]): Promise<S3Backend> {
  const { stdout } = await promisify(execFile)('bash', [join(E2E_DIR, 'scripts', 'install-s3.sh')], { timeout: 30 * 60_000 });
  const binary = stdout.trim().split('\n').at(-1)!;
  const dataDir = await makeDataDir('s3');
  const root = join(dataDir, 'buckets');
  for (const bucket of buckets) await mkdir(join(root, bucket), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const keys = { accessKeyId: 'logkit-e2e-access', secretAccessKey: 'logkit-e2e-secret-0123456789' };
  const backend = new ProcessBackend(
    dataDir,
    {
      name: 'versitygw',
      command: binary,
      args: ['--port', `127.0.0.1:${port}`, '--access', keys.accessKeyId, '--secret', keys.secretAccessKey, 'posix', root],
      logFile: join(dataDir, 'versitygw.log'),
    },
    async () => {
      const res = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return true;
    },
    30_000,
  );
  await backend.start();
  return Object.assign(backend, { endpoint, root, ...keys });
}
