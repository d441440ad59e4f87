import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector, createLogPipeline } from '../../../src/index.js';
import { type CollectorBackend, eventually, startCollector, startLoki, startOpenSearch, type LokiBackend, type OpenSearchBackend } from '../backends.js';
import { answersHttp, makeDataDir, ProcessBackend } from '../harness/BackendLifecycle.js';
import { forwardingCollectorConfig } from '../harness/collector.js';
import { ensureInstalled } from '../harness/install.js';
import { freePort } from '../harness/ports.js';
import { lokiEntries } from '../fixtures/loki-entries.js';
import { attributeOf } from '../fixtures/opensearch-documents.js';

// The otel-logkit collector between real senders and real backends: the stock OTLP/JSON exporter
// through the real OTel Collector (its otlphttp exporter forwarding to ours), the stock OTLP/proto
// exporter and otel-logkit itself straight to ours; ours delivering to Loki, OpenSearch and another
// real Collector (OTLP, file exporter). Then the
// cross-service scenario of issue 14 with Loki behind the collector.

let loki: LokiBackend;
let os: OpenSearchBackend;
let ours: Collector;
let oursUrl = '';
let otelcol: ProcessBackend;
/** The real Collector behind ours as well (OTLP destination, file exporter). */
let behind: CollectorBackend;
let otelcolUrl = '';
const INDEX = 'collector-e2e';

beforeAll(async () => {
  [loki, os, behind] = await Promise.all([startLoki(), startOpenSearch(), startCollector()]);
  ours = createCollector({
    env: {
      OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0',
      OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none',
      OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: 'none',
      OTEL_LOGS_EXPORTER: 'loki,elasticsearch,otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${behind.otlpHttpUrl}/v1/logs`,
      OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl,
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
      OTEL_LOGKIT_ELASTICSEARCH_INDEX: INDEX,
      OTEL_BLRP_SCHEDULE_DELAY: '50',
      // The collector passes every severity by default; a level of its own makes it hold the DEBUG
      // records of services that do not forward their history (the stock-exporter service below).
      OTEL_LOGKIT_COLLECTOR_LEVEL: 'info',
      OTEL_LOGKIT_TAIL_WINDOW: '2000',
    },
  });
  oursUrl = (await ours.start()).endpoint;
  otelcol = await startForwardingCollector(oursUrl.replace(/\/v1\/logs$/, ''));
});

afterAll(async () => {
  await otelcol?.dispose();
  await ours?.stop();
  await Promise.all([loki?.dispose(), os?.dispose(), behind?.dispose()]);
});

/** The real Collector: OTLP/HTTP receiver → batch → otlphttp exporter to our collector. */
async function startForwardingCollector(target: string): Promise<ProcessBackend> {
  const binary = await ensureInstalled('collector');
  const dataDir = await makeDataDir('collector-forwarding');
  const port = await freePort();
  const configFile = join(dataDir, 'config.yaml');
  await writeFile(configFile, forwardingCollectorConfig(port, target));
  otelcolUrl = `http://127.0.0.1:${port}/v1/logs`;
  const backend = new ProcessBackend(dataDir, { name: 'collector', command: binary, args: [`--config=${configFile}`], logFile: join(dataDir, 'collector.log') }, () => answersHttp(otelcolUrl), 30_000);
  await backend.start();
  return backend;
}

async function sendStock(exporter: LogRecordExporter, service: string, runId: string): Promise<void> {
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': service }), processors: [new BatchLogRecordProcessor({ exporter })] });
  provider.getLogger('e2e').emit({ severityNumber: SeverityNumber.WARN, body: `from ${service}`, attributes: { e2e_run: runId } });
  await provider.shutdown();
}

interface ExportedRequest {
  resourceLogs?: { scopeLogs?: { logRecords?: { body?: { stringValue?: string }; attributes?: { key: string; value?: { stringValue?: string } }[] }[] }[] }[];
}

/** The bodies of the records of one run in what the file-exporting Collector wrote (OTLP JSON lines). */
function bodiesOfRun(lines: object[], runId: string): string[] {
  return (lines as ExportedRequest[])
    .flatMap((line) => line.resourceLogs ?? [])
    .flatMap((rl) => rl.scopeLogs ?? [])
    .flatMap((sl) => sl.logRecords ?? [])
    .filter((r) => r.attributes?.some((a) => a.key === 'e2e_run' && a.value?.stringValue === runId))
    .map((r) => r.body?.stringValue ?? '');
}

describe('otel-logkit collector with real clients and real backends', () => {
  it('delivers the stock JSON exporter (through the real OTel Collector), the stock proto exporter and otel-logkit to Loki, OpenSearch and a real Collector', async () => {
    const runId = `interop-${Date.now()}`;
    await sendStock(new JsonExporter({ url: otelcolUrl }), 'stock-json-via-otelcol', runId);
    await sendStock(new ProtoExporter({ url: oursUrl }), 'stock-proto', runId);
    const sender = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: oursUrl, OTEL_SERVICE_NAME: 'logkit-sender', OTEL_BLRP_SCHEDULE_DELAY: '10' } });
    const provider = new LoggerProvider({ processors: sender.processors, resource: sender.resource });
    provider.getLogger('e2e').emit({ severityNumber: SeverityNumber.WARN, body: 'from logkit-sender', attributes: { e2e_run: runId } });
    await provider.shutdown();

    const expected = ['from logkit-sender', 'from stock-json-via-otelcol', 'from stock-proto'];
    const inLoki = await eventually(
      () => lokiEntries(loki, '{service_name=~".+"}', runId),
      (entries) => entries.length === 3,
    );
    expect(inLoki.map((e) => e.line).sort()).toEqual(expected);
    const inOpenSearch = await eventually(
      async () => (await os.search(INDEX)).filter((hit) => attributeOf(hit, 'e2e_run') === runId),
      (hits) => hits.length === 3,
      // The first bulk request creates the index: OpenSearch on a loaded 2-core machine takes its time.
      { timeoutMs: 60_000 },
    );
    expect(inOpenSearch.map((h) => (h._source as { body?: { text?: string } }).body?.text).sort()).toEqual(expected);
    const exported = await eventually(
      async () => bodiesOfRun(await behind.readExported(), runId),
      (bodies) => bodies.length === 3,
    );
    expect(exported.sort()).toEqual(expected);
    expect(ours.stats().collector).toMatchObject({ answers: { 200: expect.any(Number) } });
  });

  it('a request failing in the third of three services yields the held DEBUG records of all three in Loki, in order; a succeeding one none', async () => {
    const SERVICE = fileURLToPath(new URL('../../src/collector/fixtures/service.ts', import.meta.url));
    const children: ChildProcess[] = [];
    const start = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      return `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
    };
    try {
      const logkit = { SERVICE_KIND: 'logkit', OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: oursUrl, OTEL_LOGKIT_DEFERRED_FORWARD: 'true', OTEL_BLRP_SCHEDULE_DELAY: '10', OTEL_LOGKIT_LEVEL: 'info' };
      const c = await start({ SERVICE_KIND: 'stock', OTEL_SERVICE_NAME: 'inventory', COLLECTOR_URL: oursUrl });
      const b = await start({ ...logkit, OTEL_SERVICE_NAME: 'billing', NEXT_URL: c });
      const a = await start({ ...logkit, OTEL_SERVICE_NAME: 'checkout', NEXT_URL: b, RECOVER: 'true' });
      const failing = `e2e-fail-${Date.now()}`;
      const fine = `e2e-fine-${Date.now()}`;
      expect(await (await fetch(`${a}/order?fail=1`, { headers: { 'x-correlation-id': failing } })).text()).toBe('fallback');
      expect(await (await fetch(`${a}/order`, { headers: { 'x-correlation-id': fine } })).text()).toBe('ok');
      const discardedBefore = Number(ours.stats().tail!.discarded);
      const released = await eventually(
        () => loki.query(`{service_name=~".+"} | correlation_global_id="${failing}" | logkit_deferred="true"`),
        (streams) => streams.reduce((n, s) => n + s.values.length, 0) === 3,
      );
      const lines = released.flatMap((s) => s.values.map(([ts, line]) => ({ ts, line }))).sort((x, y) => (BigInt(x.ts) < BigInt(y.ts) ? -1 : 1));
      expect(lines.map((l) => l.line)).toEqual(['checkout: handling /order?fail=1', 'billing: handling /order?fail=1', 'inventory: handling /order?fail=1']);
      await eventually(
        async () => Number(ours.stats().tail!.discarded) - discardedBefore,
        (discarded) => discarded >= 3,
      );
      const fineDebug = await loki.query(`{service_name=~".+"} | correlation_global_id="${fine}" | logkit_deferred="true"`);
      expect(fineDebug).toEqual([]);
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    }
  });
});
