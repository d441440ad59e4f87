import { SeverityNumber, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFERRAL_ATTRIBUTES, RULE_CHANGE_ATTRIBUTES, SAMPLING_ATTRIBUTES } from '../../../src/core/attributes.js';
import { SettingsReader } from '../../../src/core/env.js';
import { ConfigError } from '../../../src/core/errors.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import type { LogStage } from '../../../src/core/stage.js';
import { PipelineStats } from '../../../src/core/stats.js';
import { parseSamplingConfig } from '../../../processors/sampling/config.js';
import { createSamplingStage, type SamplingStage } from '../../../processors/sampling/index.js';

const resource = resourceFromAttributes({ 'service.name': 'adaptive-test' });
const open: SamplingStage[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.shutdown()));
});

/** The sampling stage with the queue fill under the test's control, and what it passed on. */
function stageWith(env: Record<string, string> = {}) {
  const state = { fill: 0 };
  const passed: LogkitRecord[] = [];
  const next: LogStage = { write: (r) => (passed.push(r), 'taken'), forceFlush: async () => {}, shutdown: async () => {} };
  const stats = new PipelineStats();
  const config = parseSamplingConfig(new SettingsReader({ OTEL_LOGKIT_LEVEL: 'trace', OTEL_LOGKIT_DEFERRED: 'false', ...env }));
  const stage = createSamplingStage(config, { stats, resource, pressure: () => state.fill }, next);
  open.push(stage);
  return { state, passed, stage, sampling: () => stats.snapshot().sampling as { dropped: Record<string, number> } };
}

function record(severityNumber: SeverityNumber, attributes: LogkitRecord['attributes'] = {}, traceId?: string): LogkitRecord {
  return {
    hrTime: [0, 0],
    hrTimeObserved: [0, 0],
    severityNumber,
    body: 'b',
    resource,
    instrumentationScope: { name: 'app' },
    attributes,
    droppedAttributesCount: 0,
    spanContext: traceId ? { traceId, spanId: '0102030405060708', traceFlags: TraceFlags.SAMPLED } : undefined,
  };
}

function keptShare(h: ReturnType<typeof stageWith>, severity: SeverityNumber, n = 1000): number {
  const before = h.passed.length;
  for (let i = 0; i < n; i++) h.stage.write(record(severity));
  return (h.passed.length - before) / n;
}

describe('adaptive sampling under backpressure', () => {
  it('keeps everything below the high-water mark and writes no ratio', () => {
    const h = stageWith();
    h.state.fill = 0.49;
    expect(keptShare(h, SeverityNumber.DEBUG)).toBe(1);
    expect(h.passed.every((r) => r.attributes[SAMPLING_ATTRIBUTES.ratio] === undefined)).toBe(true);
  });

  it('lowers DEBUG first, then INFO, as the queue fills, and never WARN and above', () => {
    const h = stageWith();
    h.state.fill = 0.55;
    expect(keptShare(h, SeverityNumber.DEBUG)).toBeCloseTo(0.25, 2);
    expect(keptShare(h, SeverityNumber.INFO)).toBe(1);
    h.state.fill = 1;
    expect(keptShare(h, SeverityNumber.TRACE)).toBeCloseTo(0.01, 2);
    expect(keptShare(h, SeverityNumber.INFO)).toBeCloseTo(0.05, 2);
    expect(keptShare(h, SeverityNumber.WARN)).toBe(1);
    expect(keptShare(h, SeverityNumber.ERROR)).toBe(1);
    expect(h.sampling().dropped.backpressure).toBe(750 + 990 + 950);
  });

  it('marks each record it kept with the ratio it was kept at', () => {
    const h = stageWith();
    h.state.fill = 1;
    keptShare(h, SeverityNumber.INFO, 100);
    keptShare(h, SeverityNumber.ERROR, 1);
    const ratios = h.passed.map((r) => r.attributes[SAMPLING_ATTRIBUTES.ratio]);
    expect(ratios).toEqual([0.05, 0.05, 0.05, 0.05, 0.05, undefined]);
  });

  it('combines with a configured ratio: the mark is the overall probability', () => {
    const h = stageWith({ OTEL_LOGKIT_SAMPLE_RATIOS: 'info=0.5' });
    h.state.fill = 1;
    for (let i = 0; i < 4000; i++) h.stage.write(record(SeverityNumber.INFO));
    expect(new Set(h.passed.map((r) => r.attributes[SAMPLING_ATTRIBUTES.ratio]))).toEqual(new Set([0.025]));
  });

  it('keeps a trace whole: all records of a trace share one decision at every step', () => {
    const h = stageWith();
    h.state.fill = 1;
    const traces = Array.from({ length: 400 }, (_, i) => (i * 7919).toString(16).padStart(8, '0').repeat(4));
    for (const traceId of traces) for (let i = 0; i < 5; i++) h.stage.write(record(SeverityNumber.INFO, {}, traceId));
    const perTrace = new Map<string, number>();
    for (const r of h.passed) perTrace.set(r.spanContext!.traceId, (perTrace.get(r.spanContext!.traceId) ?? 0) + 1);
    expect([...perTrace.values()].every((n) => n === 5)).toBe(true);
    expect(perTrace.size).toBeGreaterThan(0);
    expect(perTrace.size).toBeLessThan(traces.length / 4);
  });

  it('never samples audit records or released deferred histories', () => {
    const h = stageWith();
    h.state.fill = 1;
    for (let i = 0; i < 100; i++) h.stage.write(record(SeverityNumber.DEBUG, { [DEFERRAL_ATTRIBUTES.deferred]: true }));
    for (let i = 0; i < 100; i++) h.stage.write(record(SeverityNumber.DEBUG, { [RULE_CHANGE_ATTRIBUTES.audit]: true, 'log.type': 'audit' }));
    expect(h.passed).toHaveLength(200);
  });

  it('brings the ratios back a step at a time as the queue drains', async () => {
    const h = stageWith();
    h.state.fill = 1;
    expect(keptShare(h, SeverityNumber.INFO)).toBeCloseTo(0.05, 2);
    h.state.fill = 0;
    const shares: number[] = [];
    while (shares.at(-1) !== 1) {
      shares.push(keptShare(h, SeverityNumber.INFO));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(shares[0]).toBeLessThan(0.5);
    expect(new Set(shares).size).toBeGreaterThanOrEqual(3);
  });

  it('is off with OTEL_LOGKIT_ADAPTIVE_SAMPLING=false', () => {
    const h = stageWith({ OTEL_LOGKIT_ADAPTIVE_SAMPLING: 'false' });
    h.state.fill = 1;
    expect(keptShare(h, SeverityNumber.DEBUG)).toBe(1);
  });

  it('refuses a bad setting and names the variable', () => {
    expect(() => stageWith({ OTEL_LOGKIT_ADAPTIVE_SAMPLING_HIGH_WATER: '1.5' })).toThrow(ConfigError);
    expect(() => stageWith({ OTEL_LOGKIT_ADAPTIVE_SAMPLING_HIGH_WATER: '1.5' })).toThrow(/OTEL_LOGKIT_ADAPTIVE_SAMPLING_HIGH_WATER/);
    expect(() => stageWith({ OTEL_LOGKIT_ADAPTIVE_SAMPLING: 'maybe' })).toThrow(/OTEL_LOGKIT_ADAPTIVE_SAMPLING/);
  });
});
