import type { StatsSection } from './core/stats.js';
import type { DestinationStats } from '../exporters/registry.js';
import type { RoutingStatsSection } from '../exporters/routing/stage.js';
import type { SdkExporterStatsSection } from '../exporters/delivery/sdk-exporter-stage.js';
import type { DedupStatsSection } from '../processors/dedup/index.js';
import type { EnrichmentStatsSection } from '../processors/enrichment/index.js';
import type { RedactionStatsSection } from '../processors/redaction/index.js';
import type { SamplingStatsSection } from '../processors/sampling/index.js';
import type { DeferredStatsSection } from '../processors/sampling/deferred/deferred-buffer.js';
import type { DeliveryThreadStatsSection } from './delivery-thread.js';
import type { PipelineStatsSection } from './processor.js';

// Each section's type is declared where the section is registered; stats() is composed from them here.

/** `stats().exit`: what the bounded exit flush could not deliver (see OTEL_LOGKIT_EXIT_TIMEOUT). */
export type ExitStatsSection = {
  /** Still queued when the exit flush stopped, without a spool: lost. */
  lost: number;
  /** Not delivered when the exit flush stopped (queued or in the spool), with a spool: on disk for the next start. */
  kept_in_spool: number;
};

/** `stats().sdk` of `registerLogPipeline`: what the SDK's provider threw or we cleaned before it. */
export type SdkStatsSection = {
  emit_errors: number;
  attributes_cleaned: number;
};

/**
 * What `stats()` returns: the stage sections by name, one section per configured destination of the
 * registry (optional: only configured ones are there; the delivery core's `DeliveryStatsSection` unless the
 * destination says otherwise, as `console` does), and any other section by name — a routed
 * destination such as `loki_tenant_security` — as a plain {@link StatsSection}.
 *
 * @example
 * const received: number = pipeline.stats().pipeline.received;
 * const exported = pipeline.stats().otlp?.exported ?? 0;
 */
export type LogkitStats = {
  pipeline: PipelineStatsSection;
  enrichment: EnrichmentStatsSection;
  sampling: SamplingStatsSection;
  redaction: RedactionStatsSection;
  exit: ExitStatsSection;
  deferred?: DeferredStatsSection;
  /** Present when `OTEL_LOGKIT_DEDUP_WINDOW` is set. */
  dedup?: DedupStatsSection;
  routing?: RoutingStatsSection;
  exporter?: SdkExporterStatsSection;
  delivery_thread?: DeliveryThreadStatsSection;
} & DestinationStats & { [section: string]: StatsSection };

/** `stats()` of a pipeline switched off with `OTEL_SDK_DISABLED=true`: every stage section, all zero. */
export function disabledStats(): LogkitStats {
  return {
    pipeline: { received: 0, internal_errors: 0, dropped_after_shutdown: 0, values_truncated: 0, values_replaced: 0 },
    enrichment: { records: 0, in_execution: 0, in_span_only: 0, uncorrelated: 0, internal_errors: 0, headers_cut: 0, headers_replaced: 0, extractor_failures: 0 },
    sampling: { passed: 0, dropped: {}, deferred: 0, audit_passed: 0, audit_records: 0, rules_changes: 0, rules_errors: 0, internal_errors: 0 },
    redaction: { records: 0, values: 0, kinds: {}, dropped: {} },
    exit: { lost: 0, kept_in_spool: 0 },
  };
}
