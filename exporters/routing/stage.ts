import type { LogkitRecord } from '../../src/core/record.js';
import { type LogStage, type StageContext, type WriteVerdict, worseVerdict } from '../../src/core/stage.js';
import type { ReasonCounts } from '../../src/core/stats.js';
import { CompiledRule, type RouteRule, type RouteTarget } from './rules.js';

/** `stats().routing`: records per rule (present when routes are configured). */
export type RoutingStatsSection = {
  routed: ReasonCounts;
  dropped: ReasonCounts;
};

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
  private readonly rules: { rule: CompiledRule; stages: LogStage[]; matched: number }[];
  private readonly all: LogStage[];
  // Plain number fields on the hot path; the stats reader builds the breakdown.
  private toDefault = 0;
  private ruleErrors = 0;
  private noDestination = 0;

  constructor(
    rules: readonly RouteRule[],
    private readonly defaults: readonly LogStage[],
    open: DestinationOpener,
    ctx: StageContext,
  ) {
    this.rules = rules.map((rule) => ({
      rule: new CompiledRule(rule),
      stages: rule.targets.map(open).filter((s): s is LogStage => s !== undefined),
      matched: 0,
    }));
    this.all = [...new Set([...defaults, ...this.rules.flatMap((r) => r.stages)])];
    ctx.stats.register('routing', () => this.read());
  }

  private read(): RoutingStatsSection {
    const routed: Record<string, number> = {};
    this.rules.forEach((r, i) => {
      if (r.matched > 0) routed[`rule_${i + 1}`] = r.matched;
    });
    if (this.toDefault > 0) routed.default = this.toDefault;
    if (this.ruleErrors > 0) routed.rule_error = this.ruleErrors;
    const dropped: Record<string, number> = this.noDestination > 0 ? { no_destination: this.noDestination } : {};
    return { routed, dropped };
  }

  write(record: LogkitRecord): WriteVerdict {
    let first: LogStage[] | undefined;
    let seen: Set<LogStage> | undefined;
    for (const entry of this.rules) {
      if (!this.matches(entry.rule, record)) continue;
      entry.matched++;
      const { stages } = entry;
      // The common case is one matching rule: no set is built unless a second rule matches.
      if (first === undefined) first = stages;
      else {
        seen ??= new Set(first);
        for (const stage of stages) seen.add(stage);
      }
    }
    if (first === undefined) {
      this.toDefault++;
      if (this.defaults.length === 0) this.noDestination++;
      return writeAll(this.defaults, record);
    }
    const stages = seen ?? first;
    if ((seen?.size ?? first.length) === 0) this.noDestination++;
    return writeAll(stages, record);
  }

  /** `write` never throws: a rule that cannot read a record does not match it (counted). */
  private matches(rule: CompiledRule, record: LogkitRecord): boolean {
    try {
      return rule.matches(record);
    } catch {
      this.ruleErrors++;
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

/** Writes to every stage; no stage at all is a refusal by the routes (counted as `no_destination`). */
function writeAll(stages: Iterable<LogStage>, record: LogkitRecord): WriteVerdict {
  let verdict: WriteVerdict = 'refused';
  for (const stage of stages) verdict = worseVerdict(verdict, stage.write(record));
  return verdict;
}
