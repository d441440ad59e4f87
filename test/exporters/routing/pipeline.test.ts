import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogPipeline, type LogPipelineParts } from '../../../src/pipeline.js';
import { BulkReceiver } from '../elasticsearch/bulk-receiver.js';
import { eventually, FAST_DELIVERY_ENV } from '../loki/fixtures.js';
import { LokiReceiver } from '../loki/loki-receiver.js';

let loki: LokiReceiver;
let es: BulkReceiver;
let dir: string;
let pipeline: LogPipelineParts | undefined;
let provider: LoggerProvider | undefined;

beforeEach(async () => {
  [loki, es] = await Promise.all([LokiReceiver.start(), BulkReceiver.start()]);
  dir = mkdtempSync(join(tmpdir(), 'logkit-routing-'));
});
afterEach(async () => {
  loki.hang = false;
  es.hang = false;
  await provider?.shutdown();
  provider = undefined;
  pipeline = undefined;
  await Promise.all([loki.close(), es.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  pipeline = createLogPipeline({
    env: {
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_LOGKIT_LOKI_ENDPOINT: loki.url.href,
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: es.url.href,
      OTEL_LOGKIT_DEAD_LETTER_DIR: join(dir, 'dead-letter'),
      ...FAST_DELIVERY_ENV,
      ...env,
    },
  });
  provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
  return { pipeline, logger: (name: string) => provider!.getLogger(name) };
}

describe('Loki and Elasticsearch through the real pipeline', () => {
  it('OTEL_LOGS_EXPORTER=loki delivers SDK records to Loki as streams, counted in stats().loki', async () => {
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'loki' });
    for (let i = 0; i < 5; i++) logger('billing').emit({ severityNumber: SeverityNumber.INFO, body: `charge ${i}`, attributes: { order: i } });
    await pipeline.forceFlush();
    const entries = loki.entries();
    expect(entries.map((e) => e.line)).toEqual(['charge 0', 'charge 1', 'charge 2', 'charge 3', 'charge 4']);
    expect(entries[0]!.labels).toMatchObject({ service_name: 'checkout', level: 'info' });
    expect(entries[0]!.metadata).toMatchObject({ scope_name: 'billing', order: '0' });
    expect(pipeline.stats().loki).toMatchObject({ received: 5, exported: 5, failed: 0 });
  });

  it('OTEL_LOGS_EXPORTER=elasticsearch stores each record once and dead-letters a mapping error with the reason', async () => {
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'checkout' });
    logger('billing').emit({ body: 'first', attributes: { amount: 10 } });
    await pipeline.forceFlush();
    logger('billing').emit({ body: 'ok', attributes: { amount: 11 } });
    logger('billing').emit({ body: 'bad', attributes: { amount: 'eleven' } });
    await pipeline.forceFlush();
    expect(es.documents('logs-checkout.otel-default').map((d) => (d.source.body as { text: string }).text).sort()).toEqual(['first', 'ok']);
    expect(pipeline.stats().elasticsearch).toMatchObject({ received: 3, exported: 2, dead_lettered: 1 });
    expect(pipeline.stats().elasticsearch_bulk).toMatchObject({ refused: { document_parsing_exception: 1 } });
    const [file] = readdirSync(join(dir, 'dead-letter'));
    const letter = JSON.parse(readFileSync(join(dir, 'dead-letter', file!), 'utf8')) as { reason: string; records: number };
    expect(letter.records).toBe(1);
    expect(letter.reason).toContain('failed to parse field [attributes.amount] of type [long]');
  });

  it('a batch stored but whose answer was lost is resent, and the 409s it gets are counted as duplicates, not errors', async () => {
    es.loseAnswers = 1;
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'elasticsearch' });
    for (let i = 0; i < 3; i++) logger('billing').emit({ body: `charge ${i}` });
    await pipeline.forceFlush();
    expect(es.requests).toHaveLength(2);
    expect(es.documents()).toHaveLength(3);
    expect(pipeline.stats().elasticsearch).toMatchObject({ received: 3, exported: 3, failed: 0, dead_lettered: 0 });
    expect(pipeline.stats().elasticsearch_bulk).toMatchObject({ duplicates: 3 });
  });

  it('installs the index template before the first document when OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE=true', async () => {
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true' });
    logger('billing').emit({ body: 'hello' });
    await pipeline.forceFlush();
    expect(es.templates.get('otel-logkit-logs-generic.otel-default')).toMatchObject({ index_patterns: ['logs-generic.otel-default'], data_stream: {} });
    expect(es.documents()).toHaveLength(1);
    expect(pipeline.stats().elasticsearch_bulk).toMatchObject({ template_installed: 1 });
  });

  it('still delivers when the cluster refuses the template (e.g. no manage_index_templates privilege), and says so in stats', async () => {
    es.refuseTemplates = 403;
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true' });
    logger('billing').emit({ body: 'hello' });
    await pipeline.forceFlush();
    expect(es.templates.size).toBe(0);
    expect(es.documents()).toHaveLength(1);
    expect(pipeline.stats().elasticsearch_bulk).toMatchObject({ template_installed: 0 });
  });
});

describe('routing to separate destinations', () => {
  it('sends audit records only to their own index and tenant, and everything else to the default exporters', async () => {
    const { pipeline, logger } = start({
      OTEL_LOGS_EXPORTER: 'loki',
      OTEL_LOGKIT_ROUTES: 'log.type=audit -> elasticsearch(dataset=audit), loki(tenant=security); scope=payments.* & severity>=error -> loki, elasticsearch',
    });
    logger('auth').emit({ severityNumber: SeverityNumber.INFO, body: 'user logged in', attributes: { 'log.type': 'audit' } });
    logger('billing').emit({ severityNumber: SeverityNumber.INFO, body: 'card charged' });
    logger('payments.cards').emit({ severityNumber: SeverityNumber.ERROR, body: 'card declined' });
    await pipeline.forceFlush();
    expect(es.documents('logs-audit.otel-default').map((d) => d.source.body)).toEqual([{ text: 'user logged in' }]);
    expect(es.documents('logs-generic.otel-default').map((d) => d.source.body)).toEqual([{ text: 'card declined' }]);
    expect(loki.entries().map((e) => [e.tenant, e.line])).toEqual(
      expect.arrayContaining([
        ['security', 'user logged in'],
        [undefined, 'card charged'],
        [undefined, 'card declined'],
      ]),
    );
    expect(loki.entries()).toHaveLength(3);
    const stats = pipeline.stats();
    expect(stats.routing).toEqual({ routed: { rule_1: 1, default: 1, rule_2: 1 }, dropped: {} });
    expect(stats.loki_tenant_security).toMatchObject({ received: 1, exported: 1 });
    expect(stats.elasticsearch_dataset_audit).toMatchObject({ received: 1, exported: 1 });
    expect(stats.loki).toMatchObject({ received: 2, exported: 2 });
  });

  it('a hung destination does not delay another: Loki receives everything while Elasticsearch hangs, and Elasticsearch catches up after', async () => {
    es.hang = true;
    const { pipeline, logger } = start({
      OTEL_LOGS_EXPORTER: 'loki',
      OTEL_LOGKIT_ROUTES: 'log.type=audit -> elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_TIMEOUT: '200',
    });
    for (let i = 0; i < 3; i++) {
      logger('auth').emit({ body: `audit ${i}`, attributes: { 'log.type': 'audit' } });
      logger('billing').emit({ body: `op ${i}` });
    }
    await eventually(() => expect(loki.entries().map((e) => e.line)).toEqual(['op 0', 'op 1', 'op 2']));
    expect(es.documents()).toEqual([]);
    // Elasticsearch's first attempt times out (200 ms) and is retried while Loki is already done.
    await eventually(() => expect(pipeline.stats().elasticsearch!.retried as number).toBeGreaterThan(0));
    expect(es.documents()).toEqual([]);
    expect(pipeline.stats().elasticsearch).toMatchObject({ exported: 0, queued: 3 });
    es.hang = false;
    await eventually(() => expect(es.documents()).toHaveLength(3));
    await eventually(() => expect(pipeline.stats().elasticsearch).toMatchObject({ exported: 3, failed: 0 }));
  });

  it('each destination spools into its own subdirectory: what a hung route could not deliver is replayed to it, and only to it, by the next process', async () => {
    es.hang = true;
    const spool = join(dir, 'spool');
    const env = { OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_ROUTES: 'log.type=audit -> elasticsearch(dataset=audit)', OTEL_LOGKIT_SPOOL_DIR: spool, OTEL_LOGKIT_ELASTICSEARCH_TIMEOUT: '200', OTEL_BLRP_EXPORT_TIMEOUT: '300' };
    const first = start(env);
    first.logger('auth').emit({ body: 'audit 1', attributes: { 'log.type': 'audit' } });
    first.logger('billing').emit({ body: 'op 1' });
    await eventually(() => expect(loki.entries().map((e) => e.line)).toEqual(['op 1']));
    await provider!.shutdown();
    expect(readdirSync(spool).sort()).toEqual(['elasticsearch_dataset_audit', 'loki']);
    expect(es.documents()).toEqual([]);

    es.hang = false;
    const second = start(env);
    await eventually(() => expect(es.documents('logs-audit.otel-default').map((d) => d.source.body)).toEqual([{ text: 'audit 1' }]));
    await second.pipeline.forceFlush();
    expect(loki.entries().map((e) => e.line)).toEqual(['op 1']);
    expect(second.pipeline.stats().elasticsearch_dataset_audit).toMatchObject({ replayed: 1 });
  });

  it('a record that matches no rule and has no default exporter is counted, not lost silently', async () => {
    const { pipeline, logger } = start({ OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ROUTES: 'log.type=audit -> loki' });
    logger('billing').emit({ body: 'nowhere to go' });
    await pipeline.forceFlush();
    expect(pipeline.stats().routing).toEqual({ routed: { default: 1 }, dropped: { no_destination: 1 } });
  });

  it('reads a route target exporter\'s configuration even when only a route names it, and fails at startup when it is missing', () => {
    expect(() => createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ROUTES: '* -> loki' } })).toThrow(/OTEL_LOGKIT_LOKI_ENDPOINT/);
  });
});
