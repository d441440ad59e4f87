import type { LogkitRecord } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';
import { ReasonCounter } from '../../src/stats.js';
import { CompiledRule, type RouteRule, type RouteTarget } from './rules.js';

/** Opens (once) the destination a route target names; undefined when it cannot be built in this pipeline. */
export type DestinationOpener = (target: RouteTarget) => LogStage | undefined;

/**
 * Sends each record to the destinations of every rule it matches, or to the default destinations
 * when it matches none. Each destination is its own delivery stage — own queue, spool subdirectory and
 * retry state — so a hung audit index never delays the operational logs. A record with nowhere to go
 * is counted (`dropped.no_destination`), never lost silently.
 *
 * @example
 * const stage = new RoutingStage(parseRoutes('log.type=audit -> elasticsearch(dataset=audit)'), [loki], open, ctx);
 */
export class RoutingStage implements LogStage {
  private readonly rules: { rule: CompiledRule; stages: LogStage[]; name: string }[];
  private readonly all: LogStage[];
  private readonly routed = new ReasonCounter();
  private readonly dropped = new ReasonCounter();

  constructor(
    rules: readonly RouteRule[],
    private readonly defaults: readonly LogStage[],
    open: DestinationOpener,
    ctx: StageContext,
  ) {
    this.rules = rules.map((rule, i) => ({
      rule: new CompiledRule(rule),
      stages: rule.targets.map(open).filter((s): s is LogStage => s !== undefined),
      name: `rule_${i + 1}`,
    }));
    this.all = [...new Set([...defaults, ...this.rules.flatMap((r) => r.stages)])];
    ctx.stats.register('routing', () => ({ routed: this.routed.toJSON(), dropped: this.dropped.toJSON() }));
  }

  write(record: LogkitRecord): void {
    let first: LogStage[] | undefined;
    let seen: Set<LogStage> | undefined;
    for (const { rule, stages, name } of this.rules) {
      if (!this.matches(rule, record)) continue;
      this.routed.add(name);
      // The common case is one matching rule: no set is built unless a second rule matches.
      if (first === undefined) first = stages;
      else {
        seen ??= new Set(first);
        for (const stage of stages) seen.add(stage);
      }
    }
    if (first === undefined) {
      this.routed.add('default');
      if (this.defaults.length === 0) this.dropped.add('no_destination');
      for (const stage of this.defaults) stage.write(record);
      return;
    }
    const stages = seen ?? first;
    if ((seen?.size ?? first.length) === 0) this.dropped.add('no_destination');
    for (const stage of stages) stage.write(record);
  }

  /** `write` never throws: a rule that cannot read a record does not match it (counted). */
  private matches(rule: CompiledRule, record: LogkitRecord): boolean {
    try {
      return rule.matches(record);
    } catch {
      this.routed.add('rule_error');
      return false;
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.all.map((s) => s.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.all.map((s) => s.shutdown()));
  }
}
