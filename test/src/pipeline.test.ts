import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logs, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline, registerLogPipeline, type LogkitRecord, type LogPipeline } from '../../src/index.js';
import { RetainingMemoryExporter } from '../fixtures/memory-exporter.js';

const quietEnv = { OTEL_LOGS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'pipeline-test' };
let registered: LogPipeline | undefined;
afterEach(async () => {
  await registered?.shutdown();
  registered = undefined;
});

function bodies(exporter: InMemoryLogRecordExporter): unknown[] {
  return exporter.getFinishedLogRecords().map((r) => r.body);
}

describe('createLogPipeline with a hand-built LoggerProvider', () => {
  it('delivers records to a user-supplied SDK exporter with the resource built from the environment', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const pipeline = createLogPipeline({ env: { ...quietEnv, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' }, exporter });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    provider.getLogger('billing').emit({ severityNumber: SeverityNumber.WARN, body: 'card declined' });
    await provider.forceFlush();
    const [record] = exporter.getFinishedLogRecords() as unknown as LogkitRecord[];
    expect(record!.body).toBe('card declined');
    expect(record!.instrumentationScope.name).toBe('billing');
    expect(record!.resource.attributes['service.name']).toBe('pipeline-test');
    expect(record!.resource.attributes['deployment.environment']).toBe('test');
    expect(record!.resource.attributes['host.name']).toBeTypeOf('string');
    expect(record!.resource.attributes['process.pid']).toBe(process.pid);
    expect(pipeline.stats().exporter).toMatchObject({ received: 1, exported: 1, failed: 0 });
  });

  it('fans out to several exporters', async () => {
    const a = new InMemoryLogRecordExporter();
    const b = new InMemoryLogRecordExporter();
    const pipeline = createLogPipeline({ env: quietEnv, exporter: [a, b] });
    new LoggerProvider({ processors: pipeline.processors }).getLogger('x').emit({ body: 'both' });
    await pipeline.forceFlush();
    expect(bodies(a)).toEqual(['both']);
    expect(bodies(b)).toEqual(['both']);
  });

  it('flushes everything on shutdown, and shutdown is idempotent', async () => {
    const exporter = new RetainingMemoryExporter();
    const pipeline = createLogPipeline({ env: quietEnv, exporter });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    for (let i = 0; i < 1000; i++) provider.getLogger('x').emit({ body: i });
    await Promise.all([provider.shutdown(), pipeline.shutdown(), pipeline.shutdown()]);
    expect(bodies(exporter)).toHaveLength(1000);
    expect(bodies(exporter)[999]).toBe(999);
  });

  it('does nothing when OTEL_SDK_DISABLED=true', () => {
    const pipeline = createLogPipeline({ env: { OTEL_SDK_DISABLED: 'true' } });
    expect(pipeline.processors).toEqual([]);
  });
});

describe('createLogPipeline with NodeSDK', () => {
  it('plugs in as logRecordProcessors and delivers through the global logger', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    const exporter = new RetainingMemoryExporter();
    const pipeline = createLogPipeline({ env: quietEnv, exporter });
    const sdk = new NodeSDK({ logRecordProcessors: pipeline.processors, instrumentations: [] });
    try {
      sdk.start();
      logs.getLogger('nodesdk').emit({ severityNumber: SeverityNumber.INFO, body: 'through NodeSDK' });
    } finally {
      await sdk.shutdown();
      logs.disable();
      process.env = saved;
    }
    expect(bodies(exporter)).toEqual(['through NodeSDK']);
  });
});

describe('registerLogPipeline', () => {
  it('sets the global logger provider and flushes on shutdown', async () => {
    const exporter = new RetainingMemoryExporter();
    registered = registerLogPipeline({ env: quietEnv, exporter, handleProcessEvents: false });
    logs.getLogger('global').emit({ body: 'hello' });
    await registered.shutdown();
    expect(bodies(exporter)).toEqual(['hello']);
    expect(registered.stats().pipeline).toMatchObject({ received: 1 });
  });

  it('refuses at startup, with a code, when another global logger provider is already registered', () => {
    logs.setGlobalLoggerProvider(new LoggerProvider());
    try {
      expect(() => registerLogPipeline({ env: quietEnv, handleProcessEvents: false })).toThrow(
        expect.objectContaining({ code: 'LOGKIT_ALREADY_REGISTERED' }),
      );
    } finally {
      logs.disable();
    }
  });

  for (const how of ['SIGTERM', 'SIGINT', 'natural'] as const) {
    it(`flushes before the process ends (${how === 'natural' ? 'event loop runs dry' : how}) and keeps the signal's usual effect`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'logkit-exit-')), 'records.jsonl');
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/emit-then-exit.ts'), out, '300', how], { stdio: 'inherit' });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      if (how === 'natural') expect(code).toBe(0);
      else expect(signal).toBe(how);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(300);
      expect(JSON.parse(lines[299]!).body).toBe('record 299');
    });
  }
});

describe('the resource', () => {
  it('is complete at startup: no attribute waits on an asynchronous detector', () => {
    const { resource } = createLogPipeline({ env: { ...quietEnv, OTEL_LOGKIT_COMMIT: 'abc123' } });
    expect(resource.asyncAttributesPending).toBeFalsy();
    expect(resource.attributes).toMatchObject({ 'service.name': 'pipeline-test', 'vcs.ref.head.revision': 'abc123', 'process.pid': process.pid });
    expect(resource.attributes['host.name']).toBeTypeOf('string');
  });
});
