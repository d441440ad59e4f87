import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline, resolveConfig, type LogkitRecord } from '../../../src/index.js';
import { LoopbackReceiver, type OtlpLogRecord, text } from '../../exporters/receiver.js';
import { RetainingMemoryExporter } from '../../fixtures/memory-exporter.js';
import { until } from '../../src/collector/harness.js';

const open: { shutdown(): Promise<void> }[] = [];
const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.shutdown()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** The real pipeline with an in-memory SDK exporter at its end (so the chain runs on this thread). */
function pipelineWith(env: Record<string, string>) {
  const exporter = new RetainingMemoryExporter();
  const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'dedup-test', OTEL_BLRP_SCHEDULE_DELAY: '10', ...env }, exporter });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  open.push(provider);
  const records = () => exporter.getFinishedLogRecords() as unknown as LogkitRecord[];
  return { pipeline, records, logger: provider.getLogger('db') };
}

const countOf = (record: OtlpLogRecord): number => Number(record.attributes?.find((a) => a.key === 'log.dedup.count')?.value?.intValue ?? 1);

describe('storm dedup', () => {
  for (const thread of ['worker', 'main'] as const) {
    it(`delivers a 10,000-record storm of one ERROR as at most 20 records whose counts sum to 10,000 (delivery thread: ${thread})`, async () => {
      const receiver = await LoopbackReceiver.start();
      receivers.push(receiver);
      const pipeline = createLogPipeline({
        env: {
          OTEL_SERVICE_NAME: 'storm',
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
          OTEL_BLRP_SCHEDULE_DELAY: '10',
          OTEL_LOGKIT_DELIVERY_THREAD: thread,
          OTEL_LOGKIT_DEDUP_WINDOW: '1000',
        },
      });
      const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
      open.push(provider);
      const logger = provider.getLogger('db.pool');
      for (let i = 0; i < 10_000; i++) {
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          severityText: 'ERROR',
          body: 'connection refused to db-1:5432',
          attributes: { 'db.system': 'postgresql', 'server.address': 'db-1', 'correlation.global_id': `req-${i}` },
        });
      }
      // No flush: the folded record comes when its window ends.
      await until(() => receiver.records.reduce((sum, r) => sum + countOf(r), 0) >= 10_000, 'every record of the storm, counted');
      const arrived = receiver.records;
      const counts = arrived.map(countOf);
      console.log(`storm (${thread}): 10000 emitted, ${arrived.length} records arrived, counts sum to ${counts.reduce((a, b) => a + b, 0)}`);
      expect(arrived.length).toBeLessThanOrEqual(20);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
      expect(new Set(arrived.map((r) => text(r.body)))).toEqual(new Set(['connection refused to db-1:5432']));
      const folded = arrived.find((r) => countOf(r) > 1)!; // a storm this fast fits one window or a few
      const lastSeen = Date.parse(String(folded.attributes!.find((a) => a.key === 'log.dedup.last_seen')!.value!.stringValue));
      expect(lastSeen).toBeGreaterThanOrEqual(Math.floor(Number(BigInt(folded.timeUnixNano!) / 1_000_000n)));
      await provider.shutdown();
      const stats = pipeline.stats().dedup!;
      expect(stats.passed + stats.folded).toBe(10_000);
      expect(stats.passed + stats.emitted).toBe(arrived.length);
      expect(pipeline.stats().otlp).toMatchObject({ exported: arrived.length, dropped: {} });
    });
  }

  it('lets the first record through at once and folds the repeats into one record carrying the first repeat’s time, the count and the last time seen', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000' });
    const t = Date.now() - 10_000;
    for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'timeout', timestamp: t + i });
    await until(() => records().length === 1, 'the first record');
    expect(records()[0]!.attributes['log.dedup.count']).toBeUndefined();
    await pipeline.forceFlush();
    const [first, folded] = records();
    const hr = (ms: number) => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
    expect(first!.hrTime).toEqual(hr(t));
    expect(folded!.hrTime).toEqual(hr(t + 1));
    const last = new Date(t + 4).toISOString();
    expect(folded!.attributes).toMatchObject({ 'log.dedup.count': 4, 'log.dedup.last_seen': `${last.slice(0, 23)}000000Z` });
    expect(pipeline.stats().dedup).toMatchObject({ passed: 1, folded: 4, emitted: 1, keys: 1, held: 0 });
  });

  it('keeps apart records that differ in severity, scope, body or an attribute, but not in ids or timestamps', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000' });
    const provider = open.at(-1) as LoggerProvider;
    const other = provider.getLogger('cache');
    for (let round = 0; round < 2; round++) {
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'down', attributes: { 'log.record.uid': `u${round}`, 'correlation.global_id': `g${round}` } });
      logger.emit({ severityNumber: SeverityNumber.WARN, body: 'down' });
      other.emit({ severityNumber: SeverityNumber.ERROR, body: 'down' });
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'up' });
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'down', attributes: { 'server.address': 'db-2' } });
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: { code: 7, hosts: ['a'] } });
    }
    await pipeline.forceFlush();
    const folded = records().filter((r) => r.attributes['log.dedup.count'] !== undefined);
    expect(records()).toHaveLength(12);
    expect(folded.map((r) => r.attributes['log.dedup.count'])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(pipeline.stats().dedup).toMatchObject({ passed: 6, folded: 6, keys: 6 });
  });

  it('compares only the chosen attributes when OTEL_LOGKIT_DEDUP_FIELDS is set', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000', OTEL_LOGKIT_DEDUP_FIELDS: 'server.address' });
    for (const [host, port] of [['db-1', 1], ['db-1', 2], ['db-2', 3]] as const) {
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'refused', attributes: { 'server.address': host, 'client.port': port } });
    }
    await pipeline.forceFlush();
    expect(records().map((r) => [r.attributes['server.address'], r.attributes['log.dedup.count']])).toEqual([
      ['db-1', undefined],
      ['db-2', undefined],
      ['db-1', 1],
    ]);
  });

  it('never folds audit records, nor the failure markers a forwarding service sends for each request', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000' });
    for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: 'role granted', attributes: { 'log.type': 'audit' } });
    for (let i = 0; i < 3; i++) {
      logger.emit({ severityNumber: SeverityNumber.WARN, body: 'execution failed', attributes: { 'correlation.global_id': `req-${i}`, 'logkit.execution.outcome': 'failed' } });
    }
    await pipeline.forceFlush();
    expect(records()).toHaveLength(6);
    expect(records().every((r) => r.attributes['log.dedup.count'] === undefined)).toBe(true);
    expect(pipeline.stats().dedup).toMatchObject({ passed: 6, folded: 0 });
  });

  it('emits what a window folded when the window ends, and opens a new window for later repeats', async () => {
    const { records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '50' });
    for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'flapping' });
    await until(() => records().length === 2, 'the folded record at the window’s end');
    expect(records()[1]!.attributes['log.dedup.count']).toBe(2);
    logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'flapping' });
    await until(() => records().length === 3, 'the first record of the next window');
    expect(records()[2]!.attributes['log.dedup.count']).toBeUndefined();
  });

  it('passes records unfolded, counted, when the distinct records it folds reach OTEL_LOGKIT_DEDUP_MAX_KEYS', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000', OTEL_LOGKIT_DEDUP_MAX_KEYS: '2' });
    for (const body of ['a', 'b', 'a', 'b', 'c', 'c']) logger.emit({ severityNumber: SeverityNumber.ERROR, body });
    await pipeline.forceFlush();
    expect(records().map((r) => [r.body, r.attributes['log.dedup.count']])).toEqual([
      ['a', undefined],
      ['b', undefined],
      ['c', undefined],
      ['c', undefined],
      ['a', 1],
      ['b', 1],
    ]);
    expect(pipeline.stats().dedup).toMatchObject({ passed: 4, folded: 2, overflow: 2, keys: 2 });
  });

  it('emits what is held at shutdown', async () => {
    const { pipeline, records, logger } = pipelineWith({ OTEL_LOGKIT_DEDUP_WINDOW: '60000' });
    for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'bye' });
    await (open.pop() as LoggerProvider).shutdown();
    expect(records().map((r) => r.attributes['log.dedup.count'])).toEqual([undefined, 2]);
    expect(pipeline.stats().dedup).toMatchObject({ emitted: 1, held: 0 });
  });

  it('is off by default: no stage, no stats section', () => {
    const { pipeline } = pipelineWith({});
    expect(pipeline.stats().dedup).toBeUndefined();
  });

  it('is configured by the otel_logkit.dedup section of OTEL_CONFIG_FILE too, with errors naming the YAML path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-dedup-'));
    try {
      const file = (yaml: string) => {
        writeFileSync(join(dir, 'otel.yaml'), `file_format: "1.0"\notel_logkit:\n  dedup:\n${yaml}`);
        return { OTEL_CONFIG_FILE: join(dir, 'otel.yaml') };
      };
      expect(resolveConfig({ env: file('    windowMs: 2000\n    fields: [server.address]\n    maxKeys: 50\n') }).dedup).toEqual({ windowMs: 2000, fields: ['server.address'], maxKeys: 50 });
      expect(() => resolveConfig({ env: file('    window: 2000\n') })).toThrow(expect.objectContaining({ setting: 'OTEL_CONFIG_FILE:otel_logkit.dedup.window' }));
      expect(() => resolveConfig({ env: file('    fields: [log.record.uid]\n') })).toThrow(expect.objectContaining({ setting: 'OTEL_CONFIG_FILE:otel_logkit.dedup.fields.0' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad settings at startup, naming the variable, the value and the accepted form', () => {
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_DEDUP_WINDOW: '1s' } })).toThrow('OTEL_LOGKIT_DEDUP_WINDOW=1s: expected a whole number from 0 to 3600000');
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_DEDUP_WINDOW: '1000', OTEL_LOGKIT_DEDUP_FIELDS: 'http.route,correlation.global_id' } })).toThrow(
      expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID', setting: 'OTEL_LOGKIT_DEDUP_FIELDS', value: 'correlation.global_id' }),
    );
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_DEDUP_MAX_KEYS: '0' } })).toThrow('OTEL_LOGKIT_DEDUP_MAX_KEYS=0: expected a whole number from 1 to 1000000');
  });
});
