import type { StatsSection } from './core/stats.js';
import type { DestinationName } from '../exporters/registry.js';

/** Counts broken down by reason, e.g. `{ queue_full: 3, below_threshold: 120 }`. */
export type ReasonCounts = Record<string, number>;

/** `stats().pipeline`: what reached the processor (src/processor.ts). */
export type PipelineStatsSection = {
  received: number;
  internal_errors: number;
  dropped_after_shutdown: number;
  values_truncated: number;
  values_replaced: number;
};

/** `stats().enrichment`: how records were correlated (processors/enrichment). */
export type EnrichmentStatsSection = {
  records: number;
  in_execution: number;
  in_span_only: number;
  uncorrelated: number;
  internal_errors: number;
  headers_cut: number;
  headers_replaced: number;
  extractor_failures: number;
};

/** `stats().sampling`: thresholds, ratios and rate limits (processors/sampling). */
export type SamplingStatsSection = {
  passed: number;
  dropped: ReasonCounts;
  deferred: number;
  /** Records the application marked audit (`log.type=audit`), passed with no threshold, ratio, rate limit or deferral. */
  audit_passed: number;
  /** Audit records the stage wrote itself (a rule change). */
  audit_records: number;
  rules_changes: number;
  rules_errors: number;
  internal_errors: number;
};

/** `stats().deferred`: held DEBUG histories (present while deferral is on). */
export type DeferredStatsSection = {
  buffered: number;
  flushed: number;
  discarded: number;
  dropped: ReasonCounts;
  held_records: number;
  held_bytes: number;
  held_executions: number;
};

/** `stats().redaction`: records changed, values replaced, by kind. */
export type RedactionStatsSection = {
  records: number;
  values: number;
  kinds: ReasonCounts;
  dropped: ReasonCounts;
};

/** `stats().routing`: records per rule (present when routes are configured). */
export type RoutingStatsSection = {
  routed: ReasonCounts;
  dropped: ReasonCounts;
};

/**
 * One destination of the delivery core (`stats().otlp`, `stats().loki_tenant_security`, …). Every
 * record received ends in exactly one of exported, rejected, dead_lettered, failed or dropped, or is
 * still queued (memory, on the wire) or spooled.
 */
export type DeliveryStatsSection = {
  received: number;
  exported: number;
  failed: number;
  retried: number;
  spooled: number;
  replayed: number;
  dead_lettered: number;
  rejected: number;
  spool_damaged: number;
  /** Spool I/O errors (disk full, directory removed …): counted, delivery went on from memory. */
  spool_errors: number;
  dropped: ReasonCounts;
  failed_reasons: ReasonCounts;
  dead_lettered_reasons: ReasonCounts;
  queued: number;
  spool_records: number;
  spool_bytes: number;
  export_latency_ms: number;
  export_latency_p99_ms: number;
  /** Requests allowed in flight now (adaptive concurrency; `OTEL_LOGKIT_MAX_IN_FLIGHT` when off). */
  in_flight_limit: number;
};

/** `stats().exporter` (`exporter_0`, … with several): an SDK `LogRecordExporter` given in `options.exporter`. */
export type SdkExporterStatsSection = {
  received: number;
  exported: number;
  failed: number;
  dropped: ReasonCounts;
  queued: number;
};

/** `stats().exit`: what the bounded exit flush could not deliver (see OTEL_LOGKIT_EXIT_TIMEOUT). */
export type ExitStatsSection = {
  /** Still queued when the exit flush stopped, without a spool: lost. */
  lost: number;
  /** Not delivered when the exit flush stopped (queued or in the spool), with a spool: on disk for the next start. */
  kept_in_spool: number;
};

/** `stats().delivery_thread`: the hand-over to the delivery worker (absent when delivery runs on the application's thread). */
export type DeliveryThreadStatsSection = {
  /** Records handed to the worker. */
  transferred: number;
  /** Handed over and not yet read by the worker (the ring plus the overflow). */
  in_transfer: number;
  /** Given up before reaching the worker, by reason (`queue_full`, `too_large`, `internal_error`). */
  dropped: ReasonCounts;
  /** Workers that ended and were replaced in the last minute. */
  restarts: number;
  /** Records an ended worker held only in memory. */
  lost_in_restart: number;
};

/** `stats().sdk` of `registerLogPipeline`: what the SDK's provider threw or we cleaned before it. */
export type SdkStatsSection = {
  emit_errors: number;
  attributes_cleaned: number;
};

/**
 * What `stats()` returns: the stage sections by name, one {@link DeliveryStatsSection} per configured
 * destination (optional: only configured ones are there), and any other section by name — a routed
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
  routing?: RoutingStatsSection;
  exporter?: SdkExporterStatsSection;
  delivery_thread?: DeliveryThreadStatsSection;
} & { [D in DestinationName]?: DeliveryStatsSection } & { [section: string]: StatsSection };

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
