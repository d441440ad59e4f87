import { SeverityNumber } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../../../exporters/registry.js';
import { parseRoutes } from '../../../exporters/routing/config.js';
import type { RouteTarget } from '../../../exporters/routing/rules.js';
import { RoutingStage } from '../../../exporters/routing/stage.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import type { LogStage, StageContext, WriteVerdict } from '../../../src/core/stage.js';
import { PipelineStats } from '../../../src/core/stats.js';
import { makeRecord } from '../loki/fixtures.js';

/** A destination that keeps what it is given (our own LogStage contract, nothing external is imitated). */
class CollectingStage implements LogStage {
  readonly records: LogkitRecord[] = [];
  flushed = 0;
  closed = 0;
  write(record: LogkitRecord): WriteVerdict {
    this.records.push(record);
    return 'taken';
  }
  async forceFlush(): Promise<void> {
    this.flushed++;
  }
  async shutdown(): Promise<void> {
    this.closed++;
  }
}

function setup(routes: string) {
  const stats = new PipelineStats();
  const ctx: StageContext = { stats, resource: makeRecord({}).resource };
  const opened = new Map<string, CollectingStage>();
  const open = (target: RouteTarget) => {
    if (!opened.has(target.key)) opened.set(target.key, new CollectingStage());
    return opened.get(target.key);
  };
  const fallback = new CollectingStage();
  const stage = new RoutingStage(parseRoutes(routes, DESTINATIONS), [fallback], open, ctx);
  return { stage, opened, fallback, stats };
}

describe('routing stage', () => {
  it('a record matching several rules reaches each destination once', () => {
    const { stage, opened, fallback, stats } = setup('log.type=audit -> loki(tenant=sec), elasticsearch; severity>=error -> elasticsearch, otlp');
    const record = makeRecord({ severity: SeverityNumber.ERROR, attributes: { 'log.type': 'audit' } });
    stage.write(record);
    expect([...opened].map(([key, s]) => [key, s.records.length])).toEqual([
      ['loki_tenant_sec', 1],
      ['elasticsearch', 1],
      ['otlp', 1],
    ]);
    expect(fallback.records).toEqual([]);
    expect(stats.snapshot().routing).toEqual({ routed: { rule_1: 1, rule_2: 1 }, dropped: {} });
  });

  it('flushes and shuts down every destination, the defaults and the routed ones, each once', async () => {
    const { stage, opened, fallback } = setup('* -> loki; scope=x -> loki');
    await stage.forceFlush();
    await stage.shutdown();
    expect([fallback, ...opened.values()].map((s) => [s.flushed, s.closed])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });
});
