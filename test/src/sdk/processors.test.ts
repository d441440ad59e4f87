import { logs, SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter as OtlpHttpExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { EnrichmentLogRecordProcessor, RedactionLogRecordProcessor, runWithExecution, SamplingLogRecordProcessor } from '../../../src/index.js';
import { LoopbackReceiver, text, type OtlpLogRecord } from '../../exporters/receiver.js';

const receivers: LoopbackReceiver[] = [];
async function receiver(): Promise<LoopbackReceiver> {
  const r = await LoopbackReceiver.start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** An empty environment: each test says what it configures. */
const env = {};

function attribute(record: OtlpLogRecord, key: string): unknown {
  const value = record.attributes?.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
}

describe('the stage processors with the stock OTLP exporters', () => {
  it('enrichment, sampling with deferral and redaction in front of the stock OTLP/HTTP JSON exporter, in a hand-built LoggerProvider', async () => {
    const r = await receiver();
    const exporter = new OtlpHttpExporter({ url: r.url });
    const provider = new LoggerProvider({
      processors: [
        new EnrichmentLogRecordProcessor({ env, tags: ['#shop'] }),
        new SamplingLogRecordProcessor({ env, level: 'info', next: [new RedactionLogRecordProcessor({ env }), new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 5 })] }),
      ],
    });
    const logger = provider.getLogger('checkout');
    runWithExecution({ globalId: 'order-42' }, () => {
      logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'cart loaded for bob@example.com' });
      logger.emit({ severityNumber: SeverityNumber.INFO, body: 'charging card', attributes: { password: 'hunter2' } });
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'card declined' });
    });
    runWithExecution({ globalId: 'order-43' }, () => {
      logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'held and discarded: this execution succeeds' });
    });
    await provider.shutdown();

    const bodies = r.records.map((x) => text(x.body));
    // The held DEBUG record is released before the ERROR that released it, in its original order.
    expect(bodies).toEqual(['charging card', 'cart loaded for [REDACTED:email]', 'card declined']);
    const [charging, cart, declined] = r.records as [OtlpLogRecord, OtlpLogRecord, OtlpLogRecord];
    expect(attribute(charging, 'password')).not.toBe('hunter2');
    expect(String(attribute(charging, 'password'))).toContain('REDACTED');
    for (const record of r.records) {
      expect(attribute(record, 'correlation.global_id')).toBe('order-42');
      expect(attribute(record, 'log.record.uid')).toEqual(expect.any(String));
      expect(JSON.stringify(attribute(record, 'tags'))).toContain('#shop');
    }
    expect(attribute(cart, 'logkit.deferred')).toBe(true);
    expect(attribute(declined, 'logkit.deferred')).toBeUndefined();
    // Sequence numbers follow the emit order, so the released record sorts before the one after it.
    expect(Number(attribute(cart, 'log.record.sequence'))).toBeLessThan(Number(attribute(charging, 'log.record.sequence')));
  });

  it('redaction before the stock OTLP/HTTP protobuf exporter under a SimpleLogRecordProcessor: nothing secret reaches the wire', async () => {
    const r = await receiver();
    const redaction = new RedactionLogRecordProcessor({ env });
    const provider = new LoggerProvider({ processors: [redaction, new SimpleLogRecordProcessor({ exporter: new OtlpProtoExporter({ url: r.url }) })] });
    const attributes = { authorization: 'Bearer abc.def.ghi', nested: { card: '4111 1111 1111 1111' } };
    provider.getLogger('api').emit({ severityNumber: SeverityNumber.INFO, body: 'token=sk_live_0123456789abcdefghijklmn', attributes });
    await provider.forceFlush();
    await provider.shutdown();
    const wire = JSON.stringify(r.received.map((x) => x.request));
    expect(wire).not.toContain('abc.def.ghi');
    expect(wire).not.toContain('4111 1111 1111 1111');
    expect(wire).not.toContain('sk_live_0123456789abcdefghijklmn');
    // The application's own object is left as it was: redaction works on a copy.
    expect(attributes.nested.card).toBe('4111 1111 1111 1111');
    expect(redaction.stats().redaction).toMatchObject({ records: 1 });
  });

  it('enrichment in NodeSDK with the stock exporter: records of an execution carry its ids, in sequence', async () => {
    const r = await receiver();
    const sdk = new NodeSDK({
      logRecordProcessors: [new EnrichmentLogRecordProcessor({ env }), new BatchLogRecordProcessor({ exporter: new OtlpProtoExporter({ url: r.url }), scheduledDelayMillis: 5 })],
      traceExporter: undefined,
    });
    sdk.start();
    try {
      const logger = logs.getLogger('nodesdk');
      runWithExecution({ globalId: 'req-7', userId: 'u-1' }, () => {
        logger.emit({ severityNumber: SeverityNumber.INFO, body: 'first' });
        logger.emit({ severityNumber: SeverityNumber.INFO, body: 'second' });
      });
    } finally {
      await sdk.shutdown();
      logs.disable();
    }
    expect(r.records.map((x) => text(x.body))).toEqual(['first', 'second']);
    expect(r.records.map((x) => attribute(x, 'correlation.global_id'))).toEqual(['req-7', 'req-7']);
    expect(r.records.map((x) => attribute(x, 'enduser.id') ?? attribute(x, 'user.id'))).toEqual(['u-1', 'u-1']);
    expect(r.records.map((x) => Number(attribute(x, 'log.record.sequence')))).toEqual([1, 2]);
  });

  for (const [name, build] of [
    ['enrichment alone', (exporter: LogRecordProcessor) => [new EnrichmentLogRecordProcessor({ env }), exporter]],
    ['redaction alone', (exporter: LogRecordProcessor) => [new RedactionLogRecordProcessor({ env }), exporter]],
    ['sampling alone', (exporter: LogRecordProcessor) => [new SamplingLogRecordProcessor({ env, next: [exporter] })]],
    ['redaction before enrichment', (exporter: LogRecordProcessor) => [new RedactionLogRecordProcessor({ env }), new EnrichmentLogRecordProcessor({ env }), exporter]],
  ] as const) {
    it(`${name}, in NodeSDK in front of the stock OTLP/HTTP protobuf exporter, delivers the record`, async () => {
      const r = await receiver();
      const batch = new BatchLogRecordProcessor({ exporter: new OtlpProtoExporter({ url: r.url }), scheduledDelayMillis: 5 });
      const sdk = new NodeSDK({ logRecordProcessors: build(batch) });
      sdk.start();
      try {
        logs.getLogger('alone').emit({ severityNumber: SeverityNumber.WARN, body: 'mail bob@example.com' });
      } finally {
        await sdk.shutdown();
        logs.disable();
      }
      expect(r.records).toHaveLength(1);
      const body = text(r.records[0]!.body);
      expect(body).toBe(name.startsWith('redaction') ? 'mail [REDACTED:email]' : 'mail bob@example.com');
      expect(attribute(r.records[0]!, 'log.record.uid') !== undefined).toBe(name.includes('enrichment'));
    });
  }

  it('sampling drops below the threshold with deferral off, tells the SDK so through enabled(), and counts it', async () => {
    const memory = new InMemoryLogRecordExporter();
    const sampling = new SamplingLogRecordProcessor({ env, level: 'warn', deferred: { enabled: false }, next: [new SimpleLogRecordProcessor({ exporter: memory })] });
    const provider = new LoggerProvider({ processors: [sampling] });
    const logger = provider.getLogger('noisy');
    expect(logger.enabled({ severityNumber: SeverityNumber.INFO })).toBe(false);
    logger.emit({ severityNumber: SeverityNumber.INFO, body: 'dropped' });
    logger.emit({ severityNumber: SeverityNumber.WARN, body: 'kept' });
    expect(memory.getFinishedLogRecords().map((x) => x.body)).toEqual(['kept']);
    sampling.setLevel('noisy', 'info');
    logger.emit({ severityNumber: SeverityNumber.INFO, body: 'kept after setLevel' });
    // A change of what is logged is itself logged: the audit record reaches `next` like any kept record.
    expect(memory.getFinishedLogRecords().map((x) => x.body)).toEqual(['kept', 'logging rules changed by api setLevel: levels.noisy: unset → INFO', 'kept after setLevel']);
    expect(sampling.stats().sampling).toMatchObject({ passed: 2, dropped: { below_threshold: 2 } });
    await provider.shutdown();
  });

  it('a processor in next that throws does not keep the record from the others, and is counted', async () => {
    const memory = new InMemoryLogRecordExporter();
    const throwing: LogRecordProcessor = { onEmit: () => { throw new Error('boom'); }, forceFlush: async () => {}, shutdown: async () => {} };
    const sampling = new SamplingLogRecordProcessor({ env, next: [throwing, new SimpleLogRecordProcessor({ exporter: memory })] });
    const provider = new LoggerProvider({ processors: [sampling] });
    expect(() => provider.getLogger('x').emit({ severityNumber: SeverityNumber.INFO, body: 'still delivered' })).not.toThrow();
    expect(memory.getFinishedLogRecords().map((x) => x.body)).toEqual(['still delivered']);
    expect(sampling.stats().next).toMatchObject({ errors: 1 });
    await provider.shutdown();
  });

  it('hostile values never make emit() throw: a cyclic body and a 5,000-deep map pass every processor as safe values', async () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [
        new EnrichmentLogRecordProcessor({ env }),
        new SamplingLogRecordProcessor({ env, next: [new RedactionLogRecordProcessor({ env }), new SimpleLogRecordProcessor({ exporter: memory })] }),
      ],
    });
    const cyclic: Record<string, unknown> = { note: 'card 4111 1111 1111 1111' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 5000; i++) deep = { deep };
    const logger = provider.getLogger('hostile');
    expect(() => logger.emit({ severityNumber: SeverityNumber.INFO, body: cyclic as never })).not.toThrow();
    expect(() => logger.emit({ severityNumber: SeverityNumber.INFO, body: deep as never })).not.toThrow();
    const [first, second] = memory.getFinishedLogRecords();
    expect(JSON.stringify(first!.body)).toContain('[circular]');
    expect(JSON.stringify(first!.body)).not.toContain('4111 1111 1111 1111');
    expect(JSON.stringify(second!.body)).toContain('[depth limit]');
    await provider.shutdown();
  });

  it('bad options fail at construction, naming the option', () => {
    expect(() => new SamplingLogRecordProcessor({ env, level: 'loud', next: [] })).toThrow(/OTEL_LOGKIT_LEVEL=loud: expected a severity name/);
    expect(() => new EnrichmentLogRecordProcessor({ env: { OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE: 'maybe' } })).toThrow(/OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE=maybe/);
  });
});
