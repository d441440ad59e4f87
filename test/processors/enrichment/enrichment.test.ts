import { context, propagation, SeverityNumber } from '@opentelemetry/api';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ConfigError, runWithExecution } from '../../../src/index.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';
import { registerTracing } from './tracing.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.shutdown();
  fixture = undefined;
});

function start(env: Record<string, string> = {}, enrichment = {}): PipelineFixture {
  fixture = pipelineFixture({ env, enrichment });
  return fixture;
}

const info = (body: string, attributes?: Record<string, unknown>) => ({ severityNumber: SeverityNumber.INFO, body, attributes: attributes as never });

describe('records inside an execution', () => {
  it('carry the global id, a local id, sequence numbers 1, 2, 3 and a unique uid', async () => {
    const { logger, records } = start();
    const log = logger('orders');
    runWithExecution({ globalId: 'g-1' }, () => {
      log.emit(info('one'));
      log.emit(info('two'));
      log.emit(info('three'));
    });
    const out = await records();
    expect(out.map((r) => r.attributes['correlation.global_id'])).toEqual(['g-1', 'g-1', 'g-1']);
    expect(out.map((r) => r.attributes['log.record.sequence'])).toEqual([1, 2, 3]);
    expect(new Set(out.map((r) => r.attributes['correlation.local_id'])).size).toBe(1);
    expect(out[0]!.attributes['correlation.local_id']).toMatch(/^[0-9a-f]{32}$/);
    const uids = out.map((r) => r.attributes['log.record.uid']);
    expect(new Set(uids).size).toBe(3);
    for (const uid of uids) expect(uid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives a nested execution its own local id but the same global id and one sequence', async () => {
    const { logger, records } = start();
    const log = logger();
    runWithExecution({ globalId: 'g-2' }, () => {
      log.emit(info('outer'));
      runWithExecution({}, () => log.emit(info('inner')));
      log.emit(info('outer again'));
    });
    const [outer, inner, again] = await records();
    expect(inner!.attributes['correlation.global_id']).toBe('g-2');
    expect(inner!.attributes['correlation.local_id']).not.toBe(outer!.attributes['correlation.local_id']);
    expect(again!.attributes['correlation.local_id']).toBe(outer!.attributes['correlation.local_id']);
    expect([outer, inner, again].map((r) => r!.attributes['log.record.sequence'])).toEqual([1, 2, 3]);
  });

  it('generates a global id when none is given, different for each top-level execution', async () => {
    const { logger, records } = start();
    runWithExecution(() => logger().emit(info('a')));
    runWithExecution(() => logger().emit(info('b')));
    const [a, b] = await records();
    expect(a!.attributes['correlation.global_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(a!.attributes['correlation.global_id']).not.toBe(b!.attributes['correlation.global_id']);
    expect(b!.attributes['log.record.sequence']).toBe(1);
  });

  it('carries the external id, user, consumer, session and the execution attributes', async () => {
    const { logger, records } = start();
    runWithExecution(
      { externalId: 'ext-9', userId: 'u-42', consumerId: 'mobile-app', sessionId: 's-7', attributes: { 'tenant.id': 'uk20' } },
      () => logger().emit(info('hello')),
    );
    const [record] = await records();
    expect(record!.attributes).toMatchObject({
      'correlation.external_id': 'ext-9',
      'user.id': 'u-42',
      'consumer.id': 'mobile-app',
      'session.id': 's-7',
      'tenant.id': 'uk20',
    });
  });

  it('gives each record its own copy of structured execution attributes', async () => {
    const { logger, records } = start();
    const order = { id: 'o-1', items: ['a'] };
    runWithExecution({ attributes: { order } }, () => {
      logger().emit(info('one'));
      logger().emit(info('two'));
    });
    order.items.push('mutated after the fact');
    const [one, two] = await records();
    expect(one!.attributes.order).toEqual({ id: 'o-1', items: ['a'] });
    expect(one!.attributes.order).not.toBe(two!.attributes.order);
  });

  it('never overwrites what the logging call set, and keeps a uid given by an upstream replay', async () => {
    const { logger, records } = start();
    runWithExecution({ userId: 'u-1', attributes: { 'tenant.id': 'from-execution' } }, () =>
      logger().emit(info('x', { 'user.id': 'u-explicit', 'tenant.id': 'from-call', 'log.record.uid': 'uid-from-upstream' })),
    );
    const [record] = await records();
    expect(record!.attributes['user.id']).toBe('u-explicit');
    expect(record!.attributes['tenant.id']).toBe('from-call');
    expect(record!.attributes['log.record.uid']).toBe('uid-from-upstream');
  });

  it('writes the execution ids and sequence even over values the logging call tried to set', async () => {
    const { logger, records } = start();
    runWithExecution({ globalId: 'g-true' }, () => logger().emit(info('x', { 'correlation.global_id': 'forged', 'log.record.sequence': 99 })));
    const [record] = await records();
    expect(record!.attributes['correlation.global_id']).toBe('g-true');
    expect(record!.attributes['log.record.sequence']).toBe(1);
  });
});

describe('tags', () => {
  it('merge static, per-component, per-execution and per-call tags, deduplicated', async () => {
    const { logger, records } = start({ OTEL_LOGKIT_TAGS: '#shop, #eu', OTEL_LOGKIT_COMPONENT_TAGS: 'billing.*=#billing|#money,http=#http' });
    runWithExecution({ tags: ['#company_uk20', '#billing'] }, () => {
      runWithExecution({ tags: ['#retry'] }, () => {
        logger('billing.card').emit(info('charged', { tags: ['#audit', '#shop'] }));
      });
    });
    logger('http').emit(info('outside'));
    logger('inventory').emit(info('plain'));
    const [charged, outside, plain] = await records();
    expect(charged!.attributes.tags).toEqual(['#shop', '#eu', '#billing', '#money', '#company_uk20', '#retry', '#audit']);
    expect(outside!.attributes.tags).toEqual(['#shop', '#eu', '#http']);
    expect(plain!.attributes.tags).toEqual(['#shop', '#eu']);
  });

  it('of billing.* go to the logger billing itself too, as sampling rules and routes read the pattern', async () => {
    const { logger, records } = start({ OTEL_LOGKIT_COMPONENT_TAGS: 'billing.*=#billing' });
    logger('billing').emit(info('the component itself'));
    logger('billingx').emit(info('another component'));
    const [billing, other] = await records();
    expect(billing!.attributes.tags).toEqual(['#billing']);
    expect(other!.attributes.tags).toBeUndefined();
  });

  it('are absent when nothing asks for them', async () => {
    const { logger, records } = start();
    runWithExecution(() => logger().emit(info('x')));
    const [record] = await records();
    expect(record!.attributes.tags).toBeUndefined();
  });

  it('can be given in code, overriding the environment', async () => {
    const { logger, records } = start({ OTEL_LOGKIT_TAGS: '#env' }, { tags: ['#code'], componentTags: { 'pay*': ['#pay'] } });
    logger('payments').emit(info('x'));
    const [record] = await records();
    expect(record!.attributes.tags).toEqual(['#code', '#pay']);
  });
});

describe('records outside any execution', () => {
  it('get a uid but no correlation ids, and are counted as uncorrelated', async () => {
    const { logger, records, pipeline } = start();
    logger().emit(info('startup'));
    const [record] = await records();
    expect(record!.attributes['log.record.uid']).toMatch(/^[0-9a-f]{32}$/);
    expect(record!.attributes['correlation.global_id']).toBeUndefined();
    expect(record!.attributes['log.record.sequence']).toBeUndefined();
    expect(pipeline.stats().enrichment).toMatchObject({ records: 1, in_execution: 0, in_span_only: 0, uncorrelated: 1, internal_errors: 0 });
  });
});

describe('with an OTel tracer registered', () => {
  let tracing: ReturnType<typeof registerTracing>;
  beforeAll(() => {
    tracing = registerTracing();
  });
  afterAll(() => tracing.unregister());

  it('records in a span outside any execution take the trace id as global id, numbered per trace', async () => {
    const { logger, records, pipeline } = start();
    let traceId = '';
    tracing.tracer.startActiveSpan('work', (span) => {
      traceId = span.spanContext().traceId;
      logger().emit(info('one'));
      logger().emit(info('two'));
      span.end();
    });
    const out = await records();
    expect(out.map((r) => r.attributes['correlation.global_id'])).toEqual([traceId, traceId]);
    expect(out.map((r) => r.attributes['log.record.sequence'])).toEqual([1, 2]);
    expect(out[0]!.spanContext?.traceId).toBe(traceId);
    expect(pipeline.stats().enrichment).toMatchObject({ in_span_only: 2 });
  });

  it('an execution opened inside a trace takes the trace id as global id', async () => {
    const { logger, records } = start();
    let traceId = '';
    tracing.tracer.startActiveSpan('request', (span) => {
      traceId = span.spanContext().traceId;
      runWithExecution(() => logger().emit(info('in execution')));
      span.end();
    });
    const [record] = await records();
    expect(record!.attributes['correlation.global_id']).toBe(traceId);
  });

  it('with OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE=false, generates global ids instead, still one per trace', async () => {
    const { logger, records } = start({ OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE: 'false' });
    let traceId = '';
    tracing.tracer.startActiveSpan('work', (span) => {
      traceId = span.spanContext().traceId;
      logger().emit(info('one'));
      logger().emit(info('two'));
      runWithExecution(() => logger().emit(info('in execution')));
      span.end();
    });
    const [one, two, inExecution] = await records();
    expect(one!.attributes['correlation.global_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(one!.attributes['correlation.global_id']).not.toBe(traceId);
    expect(two!.attributes['correlation.global_id']).toBe(one!.attributes['correlation.global_id']);
    expect(inExecution!.attributes['correlation.global_id']).not.toBe(traceId);
  });

  it('copies only the allow-listed baggage entries to attributes', async () => {
    const { logger, records } = start({ OTEL_LOGKIT_BAGGAGE_KEYS: 'tenant,plan' });
    const bag = propagation.createBaggage({ tenant: { value: 'uk20' }, plan: { value: 'gold' }, secret: { value: 'nope' } });
    context.with(propagation.setBaggage(context.active(), bag), () => logger().emit(info('with baggage')));
    const [record] = await records();
    expect(record!.attributes.tenant).toBe('uk20');
    expect(record!.attributes.plan).toBe('gold');
    expect(record!.attributes.secret).toBeUndefined();
  });

  it('selects baggage entries with a predicate given in code', async () => {
    const { logger, records } = start({}, { baggageKeys: (key: string) => key.startsWith('app.') });
    const bag = propagation.createBaggage({ 'app.region': { value: 'eu' }, other: { value: 'x' } });
    context.with(propagation.setBaggage(context.active(), bag), () => logger().emit(info('with baggage')));
    const [record] = await records();
    expect(record!.attributes['app.region']).toBe('eu');
    expect(record!.attributes.other).toBeUndefined();
  });
});

describe('configuration', () => {
  it.each([
    ['OTEL_LOGKIT_COMPONENT_TAGS', 'billing.*'],
    ['OTEL_LOGKIT_COMPONENT_TAGS', 'billing=|'],
    ['OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE', 'maybe'],
  ])('rejects %s=%s at startup, naming the variable', (name, value) => {
    let error: unknown;
    try {
      pipelineFixture({ env: { [name]: value } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('LOGKIT_CONFIG_INVALID');
    expect((error as ConfigError).setting).toBe(name);
  });
});
