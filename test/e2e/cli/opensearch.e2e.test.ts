import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startOpenSearch, type OpenSearchBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { emitRequestAcrossServices } from '../../src/cli/request-across-services.js';
import { EXPECTED_TIMELINE, runCli, timelineLines } from './run-cli.js';

// `otel-logkit view` and `otel-logkit doctor` against a real OpenSearch 2.19, after the real pipeline
// wrote one request through two services with the Elasticsearch exporter: both document layouts, into
// a data stream made by the bootstrapped template (keyword ids, nanosecond times) and into a plain index
// (dynamic mapping: ids as text, millisecond times).

let os: OpenSearchBackend;

beforeAll(async () => {
  os = await startOpenSearch();
});
afterAll(async () => {
  await os?.dispose();
});

const targets: { mapping: string; env: Record<string, string>; args: string[] }[] = [
  { mapping: 'otel', env: { OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'view_otel', OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true' }, args: [] },
  { mapping: 'ecs', env: { OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'view-plain-ecs' }, args: ['--index', 'view-plain-ecs'] },
];

describe.each(targets)('otel-logkit view --elasticsearch ($mapping layout) → OpenSearch', ({ mapping, env, args }) => {
  it('prints the request across both services, as from the file output', async () => {
    const request = await emitRequestAcrossServices({
      ...fastDelivery,
      ...env,
      OTEL_LOGS_EXPORTER: 'elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
      OTEL_LOGKIT_ELASTICSEARCH_MAPPING: mapping,
    });
    for (const stats of request.stats) expect(stats.elasticsearch).toMatchObject({ failed: 0, dead_lettered: 0 });
    const run = await eventually(
      () => runCli(['view', request.globalId, '--elasticsearch', os.baseUrl, ...args], {}),
      (r) => r.stdout.includes('5 records'),
      { timeoutMs: 30_000 },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`request ${request.globalId}: 5 records · 2 services · 2 executions · 1 error · 1 deferred · 1 sequence gap`);
    expect(timelineLines(run.stdout)).toEqual(EXPECTED_TIMELINE);
  });
});

describe('otel-logkit doctor → OpenSearch', () => {
  it('bulk-writes a test document, finds it by its correlation id and answers 0', async () => {
    const { code, stdout } = await runCli(['doctor'], {
      OTEL_LOGS_EXPORTER: 'elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
      OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'doctor',
      OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true',
    });
    expect(stdout).toMatch(/auth +ok {4}cluster answered: OpenSearch 2\.\d+\.\d+/);
    expect(stdout).toMatch(/write +ok {4}a test document was bulk-written to logs-doctor\.otel-default \(otel layout\)/);
    expect(stdout).toMatch(/read back +ok {4}found by its correlation id after [\d.]+ s/);
    expect(code, stdout).toBe(0);
  });

  it('reports a document OpenSearch refuses, with its reason', async () => {
    // An index whose mapping cannot take the test document: `attributes` is a number there.
    await fetch(`${os.baseUrl}/doctor-conflict`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mappings: { properties: { attributes: { type: 'long' } } } }) });
    const { code, stdout } = await runCli(['doctor'], { OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl, OTEL_LOGKIT_ELASTICSEARCH_INDEX: 'doctor-conflict' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/write +FAIL {2}HTTP 200, refused: .*(mapper_parsing_exception|failed to parse)/);
  });
});
