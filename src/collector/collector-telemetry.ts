import type { StatsSection } from '../core/stats.js';
import { destinations } from './acceptance.js';
import { type LabeledSample, prometheusMetric } from './prometheus.js';
import type { Transport, TransportNumbers } from './transport-counts.js';

/** The `receiver` label of each transport, as the OpenTelemetry Collector names its receivers. */
const RECEIVER: Readonly<Record<Transport, string>> = { http: 'otlp', grpc: 'otlp', kafka: 'kafka' };

/**
 * The collector's numbers in the OpenTelemetry Collector's own vocabulary (its internal telemetry,
 * `service.telemetry.metrics`), so a dashboard or alert built for it reads ours unchanged:
 *
 * - `otelcol_receiver_accepted_log_records` / `otelcol_receiver_refused_log_records`
 *   `{receiver="otlp",transport="http"|"grpc"}` (`receiver="kafka"` for the Kafka input);
 * - `otelcol_exporter_sent_log_records`, `otelcol_exporter_send_failed_log_records` (failed,
 *   rejected or dead-lettered), `otelcol_exporter_enqueue_failed_log_records` (dropped)
 *   `{exporter="<destination>"}`;
 * - `otelcol_exporter_queue_size` / `otelcol_exporter_queue_capacity` `{data_type="logs",exporter=…}`,
 *   in records (the Collector's `sizer: items`).
 *
 * Bytes have no Collector counterpart: `otel_logkit_receiver_wire_bytes` (as they arrived, compressed)
 * and `otel_logkit_receiver_decoded_bytes` (decompressed), with the same labels.
 */
export function collectorTelemetry(received: readonly [Transport, Readonly<TransportNumbers>][], snapshot: Record<string, StatsSection>, queueCapacity: number): string {
  const byTransport = (value: (n: Readonly<TransportNumbers>) => number): LabeledSample[] =>
    received.map(([transport, numbers]) => ({ labels: { receiver: RECEIVER[transport], transport }, value: value(numbers) }));
  const exporters = destinations(snapshot);
  const byExporter = (value: (s: StatsSection) => number, labels: Record<string, string> = {}): LabeledSample[] =>
    exporters.map(([exporter, section]) => ({ labels: { ...labels, exporter }, value: value(section) }));
  return [
    prometheusMetric('otelcol_receiver_accepted_log_records', 'counter', byTransport((n) => n.accepted)),
    prometheusMetric('otelcol_receiver_refused_log_records', 'counter', byTransport((n) => n.refused)),
    prometheusMetric('otel_logkit_receiver_wire_bytes', 'counter', byTransport((n) => n.wireBytes)),
    prometheusMetric('otel_logkit_receiver_decoded_bytes', 'counter', byTransport((n) => n.decodedBytes)),
    prometheusMetric('otelcol_exporter_sent_log_records', 'counter', byExporter((s) => num(s.exported))),
    prometheusMetric('otelcol_exporter_send_failed_log_records', 'counter', byExporter((s) => num(s.failed) + num(s.rejected) + num(s.dead_lettered))),
    prometheusMetric('otelcol_exporter_enqueue_failed_log_records', 'counter', byExporter((s) => sum(s.dropped))),
    prometheusMetric('otelcol_exporter_queue_size', 'gauge', byExporter((s) => num(s.queued), { data_type: 'logs' })),
    prometheusMetric('otelcol_exporter_queue_capacity', 'gauge', byExporter(() => queueCapacity, { data_type: 'logs' })),
  ].join('');
}

function num(value: StatsSection[string] | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function sum(value: StatsSection[string] | undefined): number {
  if (value === undefined || typeof value === 'number') return value ?? 0;
  let total = 0;
  for (const key in value) total += value[key]!;
  return total;
}
