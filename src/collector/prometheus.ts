import type { StatsSection } from '../core/stats.js';

/**
 * The numbers of `stats()` in the Prometheus text format, one metric per key:
 * `otel_logkit_<section>_<key>`, breakdowns (`dropped.queue_full`) as a `reason` label. Every metric is
 * `untyped`: the stats registry knows which keys are gauges, but exposing that is the stats core's call.
 *
 * @example
 * otel_logkit_otlp_exported 1200
 * otel_logkit_otlp_dropped{reason="queue_full"} 3
 */
export function prometheusText(snapshot: Record<string, StatsSection>): string {
  const lines: string[] = [];
  for (const [section, numbers] of Object.entries(snapshot)) {
    for (const [key, value] of Object.entries(numbers)) {
      const name = metricName(`otel_logkit_${section}_${key}`);
      lines.push(`# TYPE ${name} untyped`);
      if (typeof value === 'number') lines.push(`${name} ${format(value)}`);
      else for (const [reason, n] of Object.entries(value)) lines.push(`${name}{reason="${escapeLabel(reason)}"} ${format(n)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One sample of a gauge with labels of its own (not a `stats()` number): its labels and value. */
export interface LabeledSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/**
 * A gauge whose samples carry their own labels, e.g. one per service:
 * `otel_logkit_service_silent{service_name="checkout",service_instance_id="a1"} 1`. Empty without samples.
 */
export function prometheusGauge(name: string, samples: readonly LabeledSample[]): string {
  return prometheusMetric(`otel_logkit_${name}`, 'gauge', samples);
}

/**
 * One metric of any name (the OpenTelemetry Collector's own, `otelcol_…`, included) with labelled
 * samples. Empty without samples.
 */
export function prometheusMetric(name: string, type: 'counter' | 'gauge', samples: readonly LabeledSample[]): string {
  if (samples.length === 0) return '';
  const metric = metricName(name);
  const lines = [`# TYPE ${metric} ${type}`];
  for (const { labels, value } of samples) {
    const text = Object.entries(labels).map(([label, v]) => `${metricName(label)}="${escapeLabel(v)}"`).join(',');
    lines.push(`${metric}{${text}} ${format(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function metricName(raw: string): string {
  return raw.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function format(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
