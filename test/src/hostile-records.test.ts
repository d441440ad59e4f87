import { SeverityNumber } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { GuardedLoggerProvider } from '../../src/guarded-provider.js';
import { DEFAULT_SNAPSHOT_LIMITS } from '../../src/core/record.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline, registerLogPipeline } from '../../src/index.js';
import type { LogkitRecord, LogPipeline } from '../../src/index.js';

let registered: LogPipeline | undefined;
afterEach(async () => {
  await registered?.shutdown();
  registered = undefined;
});

function pipelineWithMemory() {
  const exporter = new InMemoryLogRecordExporter();
  const pipeline = registerLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none' }, exporter, handleProcessEvents: false });
  registered = pipeline;
  return { exporter, pipeline, logger: logs.getLogger('hostile') };
}

function hostileValues(): Record<string, unknown> {
  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = cycle;
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 5000; i++) deep = { next: deep };
  const throwing = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
  const proxy = new Proxy({}, { ownKeys: () => { throw new Error('proxy'); } });
  return {
    cycle,
    bigint: 2n ** 70n,
    symbol: Symbol('s'),
    fn: function named() {},
    huge: 'x'.repeat(5 * 1024 * 1024),
    loneSurrogate: 'a\uD800b',
    deep,
    proto: JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    buffer: Buffer.from('hello'),
    error: Object.assign(new Error('kaput'), { code: 'E_KAPUT' }),
    map: new Map<unknown, unknown>([['a', 1], [{}, 2]]),
    set: new Set([1, 'two']),
    nan: NaN,
    inf: -Infinity,
    date: new Date(0),
    badDate: new Date('nope'),
    throwing,
    proxy,
    nullish: null,
  };
}

describe('hostile records never make emit() throw', () => {
  it('accepts every hostile value as body and as attributes, and exports a safe copy', async () => {
    const { exporter, pipeline, logger } = pipelineWithMemory();
    const values = hostileValues();
    for (const [name, value] of Object.entries(values)) {
      expect(() => logger.emit({ severityNumber: SeverityNumber.WARN, body: value as never, attributes: { case: name } })).not.toThrow();
      expect(() => logger.emit({ severityNumber: SeverityNumber.WARN, attributes: { [name]: value as never } })).not.toThrow();
    }
    expect(() => logger.emit({ body: values as never })).not.toThrow();
    await pipeline.forceFlush();

    const records = exporter.getFinishedLogRecords() as unknown as LogkitRecord[];
    expect(records).toHaveLength(2 * Object.keys(values).length + 1);
    expect(pipeline.stats().sdk).toMatchObject({ emit_errors: 0 });
    expect(pipeline.stats().pipeline).toMatchObject({ received: records.length, internal_errors: 0 });
    const byName = (name: string) => records.find((r) => r.attributes.case === name)!;
    const attribute = (name: string) => records.find((r) => Object.hasOwn(r.attributes, name))?.attributes[name];

    // The SDK drops attribute values outside the API's AnyValue (and throws on some); the guard in
    // front of it makes them safe first, so they arrive — BigInt as a decimal string, the API has no int64.
    expect(attribute('cycle')).toEqual({ name: 'loop', self: '[circular]' });
    expect(attribute('bigint')).toBe((2n ** 70n).toString());
    expect(attribute('error')).toMatchObject({ type: 'Error', message: 'kaput', code: 'E_KAPUT' });
    expect(attribute('throwing')).toEqual({ boom: '[unreadable]' });
    expect(attribute('proxy')).toEqual({});
    expect(attribute('date')).toBe('1970-01-01T00:00:00.000Z');
    expect(attribute('deep')).toBeTypeOf('object');

    expect(byName('cycle').body).toEqual({ name: 'loop', self: '[circular]' });
    expect(byName('bigint').body).toBe(2n ** 70n);
    expect(byName('symbol').body).toBe('Symbol(s)');
    expect(byName('fn').body).toBe('[Function named]');
    expect((byName('huge').body as string).length).toBeLessThan(300 * 1024);
    expect(byName('loneSurrogate').body).toBe('a\uFFFDb');
    expect(byName('buffer').body).toEqual(new Uint8Array(Buffer.from('hello')));
    expect(byName('error').body).toMatchObject({ type: 'Error', message: 'kaput', code: 'E_KAPUT' });
    expect(byName('map').body).toEqual({ a: 1, '[object Object]': 2 });
    expect(byName('set').body).toEqual([1, 'two']);
    expect(byName('nan').body).toBeNaN();
    expect(byName('date').body).toBe('1970-01-01T00:00:00.000Z');
    expect(byName('throwing').body).toEqual({ boom: '[unreadable]' });

    let depth = 0;
    for (let node = byName('deep').body as Record<string, unknown>; typeof node === 'object'; node = node.next as Record<string, unknown>) depth++;
    expect(depth).toBeLessThanOrEqual(32);

    const proto = byName('proto').body as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const stats = pipeline.stats().pipeline!;
    expect(stats.values_truncated).toBeGreaterThan(0);
    expect(stats.values_replaced).toBeGreaterThan(0);
  });

  it('counts a record when the SDK provider throws from emit(), instead of throwing at the caller', () => {
    const throwing: LogRecordProcessor = {
      onEmit: () => {
        throw new Error('a third-party processor bug');
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const guarded = new GuardedLoggerProvider(new LoggerProvider({ processors: [throwing] }), DEFAULT_SNAPSHOT_LIMITS);
    const logger = guarded.getLogger('x');
    expect(() => logger.emit({ body: 'one' })).not.toThrow();
    expect(() => logger.emit({ body: 'two' })).not.toThrow();
    expect(guarded.emitErrors).toBe(2);
  });

  it('copies values at hand-over, so the application mutating them afterwards changes nothing', async () => {
    const { exporter, pipeline, logger } = pipelineWithMemory();
    const order = { id: 1, items: ['a'] };
    logger.emit({ body: order as never, attributes: { order: order as never } });
    order.id = 2;
    order.items.push('b');
    await pipeline.forceFlush();
    const [record] = exporter.getFinishedLogRecords() as unknown as LogkitRecord[];
    expect(record!.body).toEqual({ id: 1, items: ['a'] });
    expect(record!.attributes.order).toEqual({ id: 1, items: ['a'] });
  });

  it('keeps the first entries of a 100k-key map body, counts the cut once, and redacts the secrets among them', async () => {
    const { exporter, pipeline, logger } = pipelineWithMemory();
    const body: Record<string, unknown> = { 'user.Password': 'hunter2-hunter2', PGPASSWORD: 'pg-s3cret', apiKey: 'k-0123456789', note: 'paid with 4111 1111 1111 1111' };
    for (let k = 0; k < 100_000; k++) body[`field${k}`] = k;
    body.lastToken = 'never-kept';
    const entries = new Map<string, unknown>([['clientSecret', 'map-s3cret']]);
    for (let k = 0; k < 100_000; k++) entries.set(`entry${k}`, `value ${k}`);
    logger.emit({ body: body as never });
    logger.emit({ body: entries as never });
    await pipeline.forceFlush();

    const [fromObject, fromMap] = (exporter.getFinishedLogRecords() as unknown as LogkitRecord[]).map((r) => r.body as Record<string, unknown>);
    for (const copy of [fromObject!, fromMap!]) {
      expect(Object.keys(copy).length).toBeLessThanOrEqual(DEFAULT_SNAPSHOT_LIMITS.maxCollectionLength);
      expect(Object.keys(copy).length).toBeGreaterThan(DEFAULT_SNAPSHOT_LIMITS.maxCollectionLength - 100);
    }
    expect(fromObject).not.toHaveProperty('lastToken');
    expect(fromObject!.field0).toBe(0);
    const text = JSON.stringify([fromObject, fromMap]);
    for (const secret of ['hunter2', 'pg-s3cret', 'k-0123456789', '4111 1111 1111 1111', 'map-s3cret']) expect(text).not.toContain(secret);
    expect(pipeline.stats().pipeline).toMatchObject({ values_truncated: 2, internal_errors: 0 });
  });

  it('counts a stage failure instead of throwing at the caller', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none' }, exporter });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    // A record whose attribute count is absurd still goes through; a broken exporter is the stage failure here.
    exporter.export = () => {
      throw new Error('exporter bug');
    };
    provider.getLogger('x').emit({ body: 'hello' });
    await expect(pipeline.forceFlush()).resolves.toBeUndefined();
    const stats = pipeline.stats();
    expect(stats.exporter).toMatchObject({ received: 1, failed: 1 });
  });
});
