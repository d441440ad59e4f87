import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDataDir, ProcessBackend, type BackendLifecycle } from './BackendLifecycle.js';
import { E2E_DIR, ensureInstalled } from './install.js';
import { freePort } from './ports.js';

/** One stream of a Loki `query_range` answer: its labels and `[ns timestamp, line, metadata?]` values. */
export interface LokiStream {
  stream: Record<string, string>;
  values: [string, string, Record<string, string>?][];
}

export interface LokiBackend extends BackendLifecycle {
  /** e.g. http://127.0.0.1:41234; push at `${baseUrl}/loki/api/v1/push`. */
  readonly baseUrl: string;
  /** LogQL `query_range`, forward, over the last `sinceMs` (default one day), up to 5000 lines. */
  query(logql: string, options?: { sinceMs?: number; limit?: number }): Promise<LokiStream[]>;
}

/**
 * Starts Grafana Loki (single binary built by scripts/install-loki.sh) with filesystem storage,
 * auth disabled, on free loopback ports.
 *
 * @example
 * const loki = await startLoki();
 * await fetch(`${loki.baseUrl}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
 * const streams = await loki.query('{service_name="app"}');
 */
export async function startLoki(): Promise<LokiBackend> {
  const binary = await ensureInstalled('loki');
  const dataDir = await makeDataDir('loki');
  const [port, grpcPort] = [await freePort(), await freePort()];
  const template = await readFile(join(E2E_DIR, 'loki', 'loki.yaml'), 'utf8');
  const configFile = join(dataDir, 'loki.yaml');
  await writeFile(
    configFile,
    template
      .replaceAll('${PORT}', String(port))
      .replaceAll('${GRPC_PORT}', String(grpcPort))
      .replaceAll('${DATA_DIR}', join(dataDir, 'storage')),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const backend = new ProcessBackend(
    dataDir,
    { name: 'loki', command: binary, args: [`-config.file=${configFile}`], logFile: join(dataDir, 'loki.log') },
    async () => {
      const res = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.ok;
    },
    90_000,
  );
  await backend.start();
  return Object.assign(backend, {
    baseUrl,
    async query(logql: string, { sinceMs = 86_400_000, limit = 5_000 } = {}): Promise<LokiStream[]> {
      const end = BigInt(Date.now() + 60_000) * 1_000_000n;
      const start = BigInt(Date.now() - sinceMs) * 1_000_000n;
      const params = new URLSearchParams({
        query: logql,
        start: String(start),
        end: String(end),
        limit: String(limit),
        direction: 'forward',
      });
      const res = await fetch(`${baseUrl}/loki/api/v1/query_range?${params}`);
      if (!res.ok) throw new Error(`loki query ${logql}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { data: { result: LokiStream[] } };
      return body.data.result;
    },
  });
}
