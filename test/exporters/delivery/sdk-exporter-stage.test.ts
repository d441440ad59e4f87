import { SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { SdkExporterStage } from '../../../exporters/delivery/sdk-exporter-stage.js';
import { OtlpDouble } from '../../../src/core/otlp-values.js';
import { record, stageContext } from '../records.js';

describe('an SDK exporter as a destination', () => {
  it('exports in batches of the configured size and, past the configured queue, drops the oldest records, counted queue_full', async () => {
    const ctx = stageContext();
    const exporter = new InMemoryLogRecordExporter();
    const sizes: number[] = [];
    const original = exporter.export.bind(exporter);
    exporter.export = (logs, done) => {
      sizes.push(logs.length);
      original(logs, done);
    };
    const stage = new SdkExporterStage('memory', exporter, ctx, { maxRecords: 3, maxQueueRecords: 5, delayMs: 5 });
    // The first 3 leave as one export; of the 7 that follow while it is in flight, the queue keeps the newest 5.
    for (let i = 0; i < 10; i++) stage.write(record(`record ${i}`));
    await stage.forceFlush();
    expect(Math.max(...sizes)).toBe(3);
    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['record 0', 'record 1', 'record 2', 'record 5', 'record 6', 'record 7', 'record 8', 'record 9']);
    expect(ctx.stats.snapshot().memory).toMatchObject({ received: 10, exported: 8, dropped: { queue_full: 2 }, queued: 0 });
    await stage.shutdown();
  });

  it('when the queue is full, gives up the least severe record first, and an audit record last', async () => {
    const ctx = stageContext();
    const exporter = new InMemoryLogRecordExporter();
    const stage = new SdkExporterStage('memory', exporter, ctx, { maxRecords: 2, maxQueueRecords: 3, delayMs: 5 });
    stage.write(record('first batch a'));
    stage.write(record('first batch b'));
    // In flight now; the queue of 3 fills with an audit record (INFO severity), an ERROR and a DEBUG.
    stage.write(record('audit', SeverityNumber.INFO, { 'log.type': 'audit' }));
    stage.write(record('error', SeverityNumber.ERROR));
    stage.write(record('debug', SeverityNumber.DEBUG));
    stage.write(record('warn 1', SeverityNumber.WARN)); // the DEBUG goes
    stage.write(record('warn 2', SeverityNumber.WARN)); // then the older WARN
    await stage.forceFlush();
    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['first batch a', 'first batch b', 'audit', 'error', 'warn 2']);
    expect(ctx.stats.snapshot().memory).toMatchObject({ dropped: { queue_full: 2 } });
    await stage.shutdown();
  });

  it('sends a partial batch after the configured delay', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const stage = new SdkExporterStage('memory', exporter, stageContext(), { maxRecords: 100, maxQueueRecords: 1000, delayMs: 20 });
    stage.write(record('alone'));
    expect(exporter.getFinishedLogRecords()).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['alone']);
    await stage.shutdown();
  });

  it('gives an SDK exporter a received whole-number double as its number, without changing the record other destinations see', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const stage = new SdkExporterStage('memory', exporter, stageContext(), { maxRecords: 1, maxQueueRecords: 10, delayMs: 1 });
    const nested = { ratio: new OtlpDouble(2), name: 'n' };
    const sent = record('doubles', SeverityNumber.INFO, { ratio: new OtlpDouble(1), list: [new OtlpDouble(0), 3], nested, plain: 'x' });
    const untouched = record('none', SeverityNumber.INFO, { count: 1 });
    stage.write(sent);
    stage.write(untouched);
    await stage.forceFlush();
    const [first, second] = exporter.getFinishedLogRecords();
    expect(first!.attributes).toEqual({ ratio: 1, list: [0, 3], nested: { ratio: 2, name: 'n' }, plain: 'x' });
    expect(sent.attributes.ratio).toBeInstanceOf(OtlpDouble);
    expect(nested.ratio).toBeInstanceOf(OtlpDouble);
    expect(second).toBe(untouched);
    await stage.shutdown();
  });
});
