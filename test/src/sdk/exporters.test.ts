import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { logs } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ElasticsearchLogRecordExporter,
  FileLogRecordExporter,
  LokiLogRecordExporter,
  OtlpLogRecordExporter,
  RedactionLogRecordProcessor,
} from '../../../src/index.js';
import { BulkReceiver } from '../../exporters/elasticsearch/bulk-receiver.js';
import { LokiReceiver } from '../../exporters/loki/loki-receiver.js';
import { LoopbackReceiver, text } from '../../exporters/receiver.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-sdk-exporter-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
async function otlpReceiver(): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  cleanups.push(() => r.close());
  return r;
}

/** Fast delivery settings for tests: short delays and backoffs, no variable from the test machine. */
const fast = { env: {}, delivery: { scheduleDelayMs: 5, retryInitialBackoffMs: 5, retryMaxBackoffMs: 20 } };

/** Emits `n` INFO records through a hand-built provider whose stock batch processor feeds `exporter`. */
async function emitThrough(exporter: LogRecordExporter, n: number, prefix = 'record'): Promise<void> {
  const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 5 })] });
  const logger = provider.getLogger('sdk.exporters');
  for (let i = 0; i < n; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `${prefix} ${i}`, attributes: { i } });
  await provider.shutdown();
}

describe('our destinations as LogRecordExporters under the stock BatchLogRecordProcessor', () => {
  it('OtlpLogRecordExporter delivers every record to an OTLP receiver, in order', async () => {
    const r = await otlpReceiver();
    const exporter = new OtlpLogRecordExporter({ ...fast, endpoint: r.url, protocol: 'http/json' });
    await emitThrough(exporter, 30);
    expect(r.records.map((x) => text(x.body))).toEqual(Array.from({ length: 30 }, (_, i) => `record ${i}`));
    expect(r.received[0]!.headers['content-type']).toBe('application/json');
    expect(exporter.stats().otlp).toMatchObject({ received: 30, exported: 30, failed: 0 });
  });

  it('keeps its durable queue: records accepted while the receiver refuses wait in the spool and go out from the next exporter', async () => {
    const spoolDir = tempDir();
    const down = await otlpReceiver();
    down.answer = () => ({ status: 503 });
    const first = new OtlpLogRecordExporter({ ...fast, endpoint: down.url, delivery: { ...fast.delivery, spoolDir, flushTimeoutMs: 200 } });
    await emitThrough(first, 12, 'during outage');
    expect(down.received).toHaveLength(0);
    expect(first.stats().otlp).toMatchObject({ received: 12, exported: 0, failed: 0, spooled: 12 });

    // A new process (here: a new exporter) on the same spool replays before anything new arrives.
    const up = await otlpReceiver();
    const second = new OtlpLogRecordExporter({ ...fast, endpoint: up.url, delivery: { ...fast.delivery, spoolDir } });
    await second.forceFlush();
    await second.shutdown();
    expect(up.records.map((x) => text(x.body))).toEqual(Array.from({ length: 12 }, (_, i) => `during outage ${i}`));
    expect(second.stats().otlp).toMatchObject({ exported: 12, replayed: 12 });
  });

  it('refuses a batch handed over after shutdown, and counts it', async () => {
    const r = await otlpReceiver();
    const exporter = new OtlpLogRecordExporter({ ...fast, endpoint: r.url });
    await exporter.shutdown();
    const result = await new Promise((resolve) => exporter.export([], resolve));
    expect(result).toMatchObject({ code: 1 });
  });

  it('LokiLogRecordExporter pushes streams to a Loki push endpoint, behind our redaction processor', async () => {
    const loki = await LokiReceiver.start();
    cleanups.push(() => loki.close());
    const exporter = new LokiLogRecordExporter({ ...fast, endpoint: loki.url.href, encoding: 'json' });
    const provider = new LoggerProvider({
      processors: [new RedactionLogRecordProcessor({ env: {} }), new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 5 })],
    });
    provider.getLogger('checkout').emit({ severityNumber: SeverityNumber.WARN, body: 'card 4111 1111 1111 1111 declined' });
    await provider.shutdown();
    const entries = loki.entries();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.line).not.toContain('4111 1111 1111 1111');
    expect(entries[0]!.labels.level).toBe('warn');
  });

  it('ElasticsearchLogRecordExporter indexes one document per record', async () => {
    const es = await BulkReceiver.start();
    cleanups.push(() => es.close());
    const exporter = new ElasticsearchLogRecordExporter({ ...fast, endpoint: es.url.href, bootstrapTemplate: false });
    await emitThrough(exporter, 5);
    expect(es.documents()).toHaveLength(5);
    expect(exporter.stats().elasticsearch).toMatchObject({ exported: 5 });
  });

  it('FileLogRecordExporter writes OTLP-JSON lines, under NodeSDK', async () => {
    const dir = tempDir();
    const exporter = new FileLogRecordExporter({ ...fast, dir });
    const sdk = new NodeSDK({ logRecordProcessors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 5 })] });
    sdk.start();
    try {
      logs.getLogger('file').emit({ severityNumber: SeverityNumber.INFO, body: 'to the file' });
    } finally {
      await sdk.shutdown();
      logs.disable();
    }
    const lines = readFileSync(join(dir, 'logs.jsonl'), 'utf8').trim().split('\n');
    expect(lines.join('')).toContain('to the file');
  });

  it('a bad option fails at construction, naming the variable it overrides', () => {
    expect(() => new LokiLogRecordExporter({ env: {}, endpoint: 'ftp://loki' })).toThrow(/OTEL_LOGKIT_LOKI_ENDPOINT/);
    expect(() => new OtlpLogRecordExporter({ env: {}, delivery: { maxInFlight: 0 } })).toThrow(/OTEL_LOGKIT_MAX_IN_FLIGHT/);
  });
});
