import type { StatsSection } from '../core/stats.js';
import { collectorTelemetry } from './collector-telemetry.js';
import { type LabeledSample, prometheusGauge, prometheusText } from './prometheus.js';
import type { Transport, TransportNumbers } from './transport-counts.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/**
 * What a collector's `/metrics` shows, as plain numbers (they cross process boundaries): the stats
 * snapshot, the receiver's numbers per transport, the silent services and the queue capacity.
 */
export interface TelemetryView {
  snapshot: Record<string, StatsSection>;
  transports: [Transport, TransportNumbers][];
  silent: LabeledSample[];
  queueCapacity: number;
}

/** The Prometheus text of a view: `otel_logkit_*` for every stats number, `otelcol_*` where the Collector has a name. */
export function metricsText(view: TelemetryView): string {
  const silent = view.silent.length === 0 ? '' : prometheusGauge('service_silent', view.silent);
  return prometheusText(view.snapshot) + collectorTelemetry(view.transports, view.snapshot, view.queueCapacity) + silent;
}

/**
 * Several workers' views as one collector's: counters and gauges add up (records queued, held or in
 * flight are each in one worker), as does the capacity of their queues; silent services are listed
 * as each worker saw them.
 */
export function mergeTelemetry(views: readonly TelemetryView[]): TelemetryView {
  const snapshot: Record<string, StatsSection> = {};
  const transports = new Map<Transport, TransportNumbers>();
  const silent: LabeledSample[] = [];
  let queueCapacity = 0;
  for (const view of views) {
    for (const [name, section] of Object.entries(view.snapshot)) snapshot[name] = addSection(snapshot[name] ?? {}, section);
    for (const [transport, numbers] of view.transports) {
      const sum = transports.get(transport);
      if (sum === undefined) transports.set(transport, { ...numbers });
      else for (const key in numbers) sum[key as keyof TransportNumbers] += numbers[key as keyof TransportNumbers];
    }
    silent.push(...view.silent);
    queueCapacity += view.queueCapacity;
  }
  return { snapshot, transports: [...transports], silent, queueCapacity };
}

function addSection(into: StatsSection, section: StatsSection): StatsSection {
  for (const [key, value] of Object.entries(section)) {
    const had = into[key];
    if (typeof value === 'number') {
      into[key] = (typeof had === 'number' ? had : 0) + value;
      continue;
    }
    const breakdown: Record<string, number> = typeof had === 'object' ? had : {};
    for (const [reason, n] of Object.entries(value)) breakdown[reason] = (breakdown[reason] ?? 0) + n;
    into[key] = breakdown;
  }
  return into;
}
