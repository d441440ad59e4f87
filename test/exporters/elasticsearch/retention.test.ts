import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogPipeline, type LogPipelineParts } from '../../../src/pipeline.js';
import { resolveConfig } from '../../../src/config.js';
import { FAST_DELIVERY_ENV } from '../loki/fixtures.js';
import { BulkReceiver } from './bulk-receiver.js';

let es: BulkReceiver;
let provider: LoggerProvider | undefined;

beforeEach(async () => {
  es = await BulkReceiver.start();
});
afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
  await es.close();
});

const AUDIT_ROUTE = 'log.type=audit -> elasticsearch(dataset=audit)';

/** The whole pipeline: application records to the default stream, audit records routed to dataset `audit`. */
async function run(env: Record<string, string>): Promise<LogPipelineParts> {
  const pipeline = createLogPipeline({
    env: {
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_LOGS_EXPORTER: 'elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: es.url.href,
      OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true',
      OTEL_LOGKIT_ROUTES: AUDIT_ROUTE,
      ...FAST_DELIVERY_ENV,
      ...env,
    },
  });
  provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
  const logger = provider.getLogger('billing');
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'charged' });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'refund approved', attributes: { 'log.type': 'audit' } });
  await pipeline.forceFlush();
  return pipeline;
}

describe('retention installed with the index template (OTEL_LOGKIT_RETENTION)', () => {
  it('on Elasticsearch, puts a data stream lifecycle in each template: the application retention for logs, the audit one for the audit stream', async () => {
    const pipeline = await run({ OTEL_LOGKIT_RETENTION: 'app=14d,audit=400d' });
    expect(es.templates.get('otel-logkit-logs-generic.otel-default')).toMatchObject({ data_stream: {}, template: { lifecycle: { data_retention: '14d' } } });
    expect(es.templates.get('otel-logkit-logs-audit.otel-default')).toMatchObject({ data_stream: {}, template: { lifecycle: { data_retention: '400d' } } });
    // Asked what it is first, and no ISM call on Elasticsearch.
    expect(es.setup.filter((r) => r.path === '/').map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(es.setup.some((r) => r.path.startsWith('/_plugins'))).toBe(false);
    expect(es.documents('logs-generic.otel-default')).toHaveLength(1);
    expect(es.documents('logs-audit.otel-default')).toHaveLength(1);
    const stats = pipeline.stats() as Record<string, Record<string, unknown>>;
    expect(stats.elasticsearch_bulk).toMatchObject({ template_installed: 1, lifecycle_installed: 1 });
  });

  it('on Elasticsearch, sets the lifecycle of a data stream that already exists (a template reaches only new ones)', async () => {
    await run({});
    expect(es.templates.get('otel-logkit-logs-generic.otel-default')).not.toHaveProperty('template.lifecycle');
    await provider!.shutdown();
    await run({ OTEL_LOGKIT_RETENTION: 'app=30d' });
    expect(es.lifecycles.get('logs-generic.otel-default')).toEqual({ data_retention: '30d' });
    // No audit retention given: the audit stream keeps the cluster's default.
    expect(es.templates.get('otel-logkit-logs-audit.otel-default')).not.toHaveProperty('template.lifecycle');
  });

  it('on OpenSearch, installs one ISM policy per stream, attached by its ism_template to the backing indices, and updates it in place', async () => {
    es.distribution = 'opensearch';
    const pipeline = await run({ OTEL_LOGKIT_RETENTION: 'app=14d,audit=400d' });
    const app = es.policies.get('otel-logkit-logs-generic.otel-default')!.policy as { states: { name: string; transitions: { conditions?: { min_index_age?: string } }[] }[]; ism_template: unknown[] };
    expect(app.ism_template).toEqual([{ index_patterns: ['.ds-logs-generic.otel-default-*'], priority: 100 }]);
    expect(app.states.find((s) => s.name === 'hot')!.transitions[0]!.conditions!.min_index_age).toBe('14d');
    const audit = es.policies.get('otel-logkit-logs-audit.otel-default')!.policy as typeof app;
    expect(audit.states.find((s) => s.name === 'hot')!.transitions[0]!.conditions!.min_index_age).toBe('400d');
    expect(es.templates.get('otel-logkit-logs-generic.otel-default')).not.toHaveProperty('template.lifecycle');
    expect(es.setup.filter((r) => r.path.startsWith('/_plugins/_ism/add/')).map((r) => [r.path, r.body])).toEqual(
      expect.arrayContaining([['/_plugins/_ism/add/.ds-logs-generic.otel-default-*', { policy_id: 'otel-logkit-logs-generic.otel-default' }]]),
    );
    expect((pipeline.stats() as Record<string, Record<string, unknown>>).elasticsearch_bulk).toMatchObject({ lifecycle_installed: 1 });

    await provider!.shutdown();
    await run({ OTEL_LOGKIT_RETENTION: 'app=7d' });
    const updated = es.policies.get('otel-logkit-logs-generic.otel-default')!;
    expect(updated.seqNo).toBe(1);
    expect((updated.policy as typeof app).states[0]!.transitions[0]!.conditions!.min_index_age).toBe('7d');
  });

  it('refuses a malformed OTEL_LOGKIT_RETENTION at startup, naming the variable', () => {
    for (const value of ['app=14', 'app=14d,logs=3d', 'audit=0d', 'app=two weeks']) {
      expect(() => resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: es.url.href, OTEL_LOGKIT_RETENTION: value } }), value).toThrow(
        expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID', message: expect.stringMatching(/^OTEL_LOGKIT_RETENTION=/) }),
      );
    }
  });
});
