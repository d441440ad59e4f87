import { ROOT_CONTEXT, SeverityNumber, trace } from '@opentelemetry/api';
import { newId } from '../../../src/core/ids.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, runWithExecution } from '../../../src/index.js';
import { closeAll, DEBUG, emit, ERROR, INFO, startPipeline, WARN } from './harness.js';

afterEach(closeAll);

const noDeferral = { OTEL_LOGKIT_DEFERRED: 'false' };

describe('severity thresholds', () => {
  it('keep INFO and above by default', async () => {
    const h = startPipeline(noDeferral);
    for (const severity of [SeverityNumber.TRACE, DEBUG, INFO, WARN, ERROR]) emit(h.logger(), severity, String(severity));
    expect(await h.bodies()).toEqual(['9', '13', '17']);
    expect(h.pipeline.stats().sampling).toMatchObject({ passed: 3, dropped: { below_threshold: 2 } });
  });

  it('follow OTEL_LOGKIT_LEVEL and the most specific OTEL_LOGKIT_LEVELS pattern for the logger name', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'warn', OTEL_LOGKIT_LEVELS: 'billing.*=debug,billing.audit=error,http=info' });
    emit(h.logger('billing'), DEBUG, 'billing debug');
    emit(h.logger('billing.cards'), DEBUG, 'cards debug');
    emit(h.logger('billing.audit'), WARN, 'audit warn');
    emit(h.logger('billingx'), INFO, 'not below billing');
    emit(h.logger('http'), INFO, 'http info');
    emit(h.logger('http.client'), INFO, 'http.client info');
    expect(await h.bodies()).toEqual(['billing debug', 'cards debug', 'http info']);
  });

  it('read billing.* as the logger billing and everything below it, as routes and component tags do', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'warn', OTEL_LOGKIT_LEVELS: 'billing.*=debug' });
    emit(h.logger('billing'), DEBUG, 'billing');
    emit(h.logger('billingx'), DEBUG, 'billingx');
    expect(await h.bodies()).toEqual(['billing']);
  });

  it('match * inside a pattern against any run of characters', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS: '*.db=debug' });
    emit(h.logger('orders.db'), DEBUG, 'orders.db');
    emit(h.logger('orders.cache'), DEBUG, 'orders.cache');
    expect(await h.bodies()).toEqual(['orders.db']);
  });

  it('give way to the execution’s own level (one request at DEBUG)', async () => {
    const h = startPipeline(noDeferral);
    runWithExecution({ level: DEBUG }, () => emit(h.logger(), DEBUG, 'traced request'));
    runWithExecution(() => emit(h.logger(), DEBUG, 'ordinary request'));
    expect(await h.bodies()).toEqual(['traced request']);
  });

  it('count records without a severity as INFO', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'info' });
    h.logger().emit({ body: 'no severity' });
    expect(await h.bodies()).toEqual(['no severity']);
  });
});

describe('setLevel at runtime', () => {
  it('applies to the next record and is logged as an un-droppable audit record saying who, what and when', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'error' });
    emit(h.logger('billing'), DEBUG, 'before');
    runWithExecution({ userId: 'support-7' }, () => h.pipeline.setLevel('billing.*', 'debug'));
    emit(h.logger('billing'), DEBUG, 'after');
    emit(h.logger('http'), DEBUG, 'other logger');
    const records = await h.records();
    const audit = records.find((r) => r.attributes['logkit.audit'] === true)!;
    expect(audit.attributes).toMatchObject({
      'logkit.rules.outcome': 'changed',
      'logkit.rules.source': 'api',
      'logkit.rules.actor': 'support-7',
      'logkit.rules.changes': ['levels.billing.*: unset → DEBUG'],
    });
    expect(audit.severityNumber).toBe(INFO);
    expect(audit.hrTime[0]).toBeGreaterThan(0);
    expect(await h.bodies()).toEqual(['after']);
    expect(h.pipeline.stats().sampling).toMatchObject({ audit_records: 1, rules_changes: 1 });
  });

  it('sets the global level with *, and removes an override with default', async () => {
    const h = startPipeline(noDeferral);
    h.pipeline.setLevel('*', 'warn');
    emit(h.logger(), INFO, 'hidden');
    h.pipeline.setLevel('*', 'default');
    emit(h.logger(), INFO, 'shown');
    h.pipeline.setLevel('*', SeverityNumber.DEBUG);
    emit(h.logger(), DEBUG, 'debug shown');
    expect(await h.bodies()).toEqual(['shown', 'debug shown']);
  });

  it('rejects a bad level or pattern with a ConfigError naming the value and the accepted form', () => {
    const h = startPipeline();
    expect(() => h.pipeline.setLevel('billing', 'loud')).toThrow(ConfigError);
    expect(() => h.pipeline.setLevel('billing', 'loud')).toThrow(/loud.*expected a severity name/);
    expect(() => h.pipeline.setLevel('bad pattern!', 'debug')).toThrow(expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID' }));
  });

  it('logs its audit record even when the new level would drop it, or a rate limit would', async () => {
    const h = startPipeline({ OTEL_LOGKIT_RATE_LIMIT: '1', OTEL_LOGKIT_RATE_LIMIT_BURST: '1' });
    h.pipeline.setLevel('*', 'fatal');
    h.pipeline.setLevel('*', 'error');
    const audits = (await h.records()).filter((r) => r.attributes['logkit.audit'] === true);
    expect(audits.map((r) => r.attributes['logkit.rules.changes'])).toEqual([['level: unset → FATAL'], ['level: FATAL → ERROR']]);
  });

  it('logs nothing when the level set is the one already in force', async () => {
    const h = startPipeline();
    h.pipeline.setLevel('billing', 'warn');
    h.pipeline.setLevel('billing', 'warn');
    expect(h.pipeline.stats().sampling).toMatchObject({ audit_records: 1 });
  });
});

describe('ratio sampling', () => {
  it('keeps all or none of the records of a trace, about the configured fraction of traces', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_SAMPLE_RATIOS: 'info=0.25' });
    const log = h.logger();
    const traces = 400;
    for (let t = 1; t <= traces; t++) {
      const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: newId(), spanId: '00000000000000a1', traceFlags: 1 });
      for (let i = 0; i < 3; i++) log.emit({ severityNumber: INFO, body: `t${t}`, context });
    }
    emit(log, WARN, 'warn is not sampled');
    const bodies = (await h.bodies()) as string[];
    const perTrace = new Map<string, number>();
    for (const body of bodies) perTrace.set(body, (perTrace.get(body) ?? 0) + 1);
    perTrace.delete('warn is not sampled');
    expect([...perTrace.values()].every((n) => n === 3)).toBe(true);
    expect(perTrace.size).toBeGreaterThan(traces * 0.15);
    expect(perTrace.size).toBeLessThan(traces * 0.35);
    expect(bodies).toContain('warn is not sampled');
    const dropped = h.pipeline.stats().sampling!.dropped as Record<string, number>;
    expect(dropped.sampled_out).toBe((traces - perTrace.size) * 3);
  });

  it('decides records without a trace by their execution, all or none', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_SAMPLE_RATIOS: 'info=0.5' });
    const counts: number[] = [];
    for (let e = 0; e < 40; e++) {
      runWithExecution(() => {
        for (let i = 0; i < 4; i++) emit(h.logger(), INFO, `e${e}`);
      });
    }
    const bodies = (await h.bodies()) as string[];
    for (let e = 0; e < 40; e++) counts.push(bodies.filter((b) => b === `e${e}`).length);
    expect(counts.every((n) => n === 0 || n === 4)).toBe(true);
    expect(counts.some((n) => n === 0) && counts.some((n) => n === 4)).toBe(true);
  });
});

describe('rate limiting', () => {
  it('lets a burst through per logger and severity, then drops and counts the flood', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_RATE_LIMIT: '1', OTEL_LOGKIT_RATE_LIMIT_BURST: '5' });
    for (let i = 0; i < 50; i++) emit(h.logger('hot'), INFO, 'hot loop');
    emit(h.logger('hot'), WARN, 'hot warn');
    emit(h.logger('calm'), INFO, 'calm');
    const bodies = await h.bodies();
    expect(bodies.filter((b) => b === 'hot loop')).toHaveLength(5);
    expect(bodies).toContain('hot warn');
    expect(bodies).toContain('calm');
    expect(h.pipeline.stats().sampling!.dropped).toEqual({ rate_limited: 45 });
  });
});

describe('configuration', () => {
  it('fails at startup naming the variable, the value and the accepted form', () => {
    expect(() => startPipeline({ OTEL_LOGKIT_LEVEL: 'chatty' })).toThrow('OTEL_LOGKIT_LEVEL=chatty: expected a severity name');
    expect(() => startPipeline({ OTEL_LOGKIT_LEVELS: 'billing=loud' })).toThrow(/OTEL_LOGKIT_LEVELS billing=loud/);
    expect(() => startPipeline({ OTEL_LOGKIT_SAMPLE_RATIOS: 'info=2' })).toThrow(/OTEL_LOGKIT_SAMPLE_RATIOS info=2: expected a number from 0 to 1/);
    expect(() => startPipeline({ OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES: 'lots' })).toThrow(/OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES=lots/);
    expect(() => startPipeline({ OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL: 'panic' })).toThrow(/OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL=panic/);
  });

  it('lets options given in code override the environment', async () => {
    const h = startPipeline({ OTEL_LOGKIT_LEVEL: 'error' }, { sampling: { level: 'debug', deferred: { enabled: false } } });
    emit(h.logger(), DEBUG, 'debug kept');
    expect(await h.bodies()).toEqual(['debug kept']);
  });
});
