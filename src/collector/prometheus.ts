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

function metricName(raw: string): string {
  return raw.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function format(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
