import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { awayFromApplicationThread } from '../exporters/index.js';
import { createAuditStage } from '../processors/audit/index.js';
import { createDedupStage } from '../processors/dedup/index.js';
import { createEnrichmentStage } from '../processors/enrichment/index.js';
import { createRedactionStage } from '../processors/redaction/index.js';
import { createSamplingStage, type SamplingStage } from '../processors/sampling/index.js';
import { archiveConfigured } from './archive/config.js';
import { createArchive, createArchiveStage, useArchive } from './archive/index.js';
import type { LogkitConfig } from './config.js';
import type { LogStage, StageContext } from './core/stage.js';

/**
 * Every stage, in the order a record meets it. This is the one list: the library, the delivery
 * worker and the collector build from it, each entering where its records come from. A new stage is
 * a folder in `processors/` and one line here.
 */
const STAGES = {
  enrichment: (config: LogkitConfig, ctx: StageContext, next: LogStage): LogStage => createEnrichmentStage(config.enrichment, ctx, next),
  sampling: (config: LogkitConfig, ctx: StageContext, next: LogStage): SamplingStage => createSamplingStage(config.sampling, ctx, next),
  redaction: (config: LogkitConfig, ctx: StageContext, next: LogStage): LogStage => createRedactionStage(config.redaction, ctx, next),
  dedup: (config: LogkitConfig, ctx: StageContext, next: LogStage): LogStage => createDedupStage(config.dedup, ctx, next),
  archive: (config: LogkitConfig, ctx: StageContext, next: LogStage): LogStage => {
    const archive = createArchive(config.archive, config.redaction);
    useArchive(archive);
    return createArchiveStage(archive, config.archive, ctx, next);
  },
  audit: (config: LogkitConfig, ctx: StageContext, next: LogStage): LogStage => createAuditStage(config.audit, ctx, next),
};

export type StageName = keyof typeof STAGES;
type StageOf<N extends StageName> = ReturnType<(typeof STAGES)[N]>;
const ORDER = Object.keys(STAGES) as StageName[];

/**
 * Where records enter the chain: the library's processor at `enrichment`; the collector at
 * `sampling` (its records were enriched by the service that sent them); the delivery worker at
 * `redaction`, the first stage after the hand-over.
 */
export type ChainEntry = 'enrichment' | 'sampling' | 'redaction';

/** The first stage that needs none of the caller's context: from here on the delivery worker may run the chain. */
export const AFTER_HANDOVER: StageName = 'redaction';

export interface ChainRoute {
  from: ChainEntry;
  /** Builds what the last stage writes to: the export stage (fan-out, routing, destinations); called once, on the thread that runs the tail. */
  end: () => LogStage;
  /**
   * Given, the stages from {@link AFTER_HANDOVER} on are built through it: it returns the stage that
   * carries records across (to the delivery worker) or, when it declines, `build()` itself.
   */
  handover?: (build: () => LogStage) => LogStage;
}

/** A built chain: where records go in, and each stage built on this thread by name (for its controls). */
export interface Chain {
  readonly entry: LogStage;
  stage<N extends StageName>(name: N): StageOf<N> | undefined;
  /** What `name` writes to: where a record that skips `name` goes in (the hand-over, when `name` is the last stage before it). */
  after(name: StageName): LogStage;
}

/** Builds the chain from `route.from` to `route.end`, last stage first. */
export function buildChain(config: LogkitConfig, ctx: StageContext, route: ChainRoute): Chain {
  const built = new Map<StageName, LogStage>();
  const following = new Map<StageName, LogStage>();
  /** Stages `start` up to (not including) `stop`, in front of `next`. */
  const build = (start: number, stop: number, next: LogStage): LogStage => {
    for (let i = stop - 1; i >= start; i--) {
      const name = ORDER[i]!;
      following.set(name, next);
      next = STAGES[name](config, ctx, next);
      built.set(name, next);
    }
    return next;
  };
  const from = ORDER.indexOf(route.from);
  const handover = Math.max(from, ORDER.indexOf(AFTER_HANDOVER));
  let end: LogStage | undefined;
  const buildTail = (): LogStage => build(handover, ORDER.length, (end = route.end()));
  const tail = route.handover && from <= handover ? route.handover(buildTail) : buildTail();
  const entry = build(from, handover, tail);
  return {
    entry,
    stage: <N extends StageName>(name: N) => built.get(name) as StageOf<N> | undefined,
    after: (name) => following.get(name) ?? end!,
  };
}

/**
 * Which part of the pipeline the delivery worker runs (`OTEL_LOGKIT_DELIVERY_THREAD=worker`):
 *
 * - `tail`: every stage from {@link AFTER_HANDOVER} on, and the destinations — what needs none of the
 *   caller's context. The application's thread then only enriches and samples.
 * - `destinations`: only the named destinations, when something after redaction must stay on the
 *   application's thread: SDK exporters given in code, the console exporter (writes to this process's
 *   stdout), payload archiving (shared with the application's `archive()` calls), or the audit chain
 *   (its sequence numbers are given at emit, so a record lost in a crash shows as a gap in the chain).
 */
export type WorkerPart = 'tail' | 'destinations';

export function workerPart(config: LogkitConfig, userExporters: readonly LogRecordExporter[]): WorkerPart | undefined {
  const { exporters, delivery } = config;
  if (delivery.settings.thread !== 'worker') return undefined;
  const away = awayFromApplicationThread(exporters, delivery);
  if (away.length === 0 && delivery.routing.rules.length === 0) return undefined;
  const auditing = config.audit.enabled && config.audit.signingKey !== undefined;
  const tailCanGo = userExporters.length === 0 && away.length === exporters.length && !archiveConfigured(config.archive) && !auditing;
  return tailCanGo ? 'tail' : 'destinations';
}
