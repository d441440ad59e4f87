import type { Attributes, Meter, MeterProvider, ObservableResult } from '@opentelemetry/api';

/** One component's numbers: counters, gauges, and counters broken down by reason (`dropped.queue_full`). */
export interface StatsSection {
  [key: string]: number | Record<string, number>;
}

interface Registration {
  read: () => StatsSection;
  gauges: ReadonlySet<string>;
}

/**
 * Where every component reports what happened to the records it saw. `stats()` on the pipeline
 * handle returns `snapshot()`; when a MeterProvider is given, the same numbers are exported as OTel
 * metrics named `otel_logkit.<section>.<key>` (breakdowns become a `reason` attribute).
 *
 * @example
 * stats.register('redaction', () => ({ records: touched, values: redacted }));
 */
export class PipelineStats {
  private readonly sections = new Map<string, Registration>();
  private meter: Meter | undefined;

  register(section: string, read: () => StatsSection, options: { gauges?: readonly string[] } = {}): void {
    let name = section;
    for (let i = 2; this.sections.has(name); i++) name = `${section}_${i}`;
    const registration = { read, gauges: new Set(options.gauges ?? []) };
    this.sections.set(name, registration);
    if (this.meter) this.instrument(this.meter, name, registration);
  }

  /**
   * Sections whose numbers are kept elsewhere (the delivery worker's, reported as snapshots): each
   * name in `latest()` is a section; a name that appears later is registered then, instruments included.
   */
  mirror(latest: () => Record<string, StatsSection>, gauges: (section: string) => readonly string[]): () => void {
    return () => {
      for (const name of Object.keys(latest())) {
        if (!this.sections.has(name)) this.register(name, () => latest()[name] ?? {}, { gauges: gauges(name) });
      }
    };
  }

  /** Which keys of each section are gauges (what `register` was told), for a mirror in another thread. */
  gauges(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, { gauges }] of this.sections) out[name] = [...gauges];
    return out;
  }

  snapshot(): Record<string, StatsSection> {
    const out: Record<string, StatsSection> = {};
    for (const [name, { read }] of this.sections) {
      try {
        out[name] = read();
      } catch {
        out[name] = {};
      }
    }
    return out;
  }

  /** Publishes every number as an observable instrument; instruments are created for the keys present now (and for sections registered later). */
  bindMeter(meterProvider: MeterProvider): void {
    this.meter = meterProvider.getMeter('otel-logkit');
    for (const [section, registration] of this.sections) this.instrument(this.meter, section, registration);
  }

  private instrument(meter: Meter, section: string, registration: Registration): void {
    let current: StatsSection;
    try {
      current = registration.read();
    } catch {
      return;
    }
    for (const key of Object.keys(current)) {
      const name = `otel_logkit.${section}.${key}`;
      const instrument = registration.gauges.has(key) ? meter.createObservableGauge(name) : meter.createObservableCounter(name);
      instrument.addCallback((result: ObservableResult<Attributes>) => {
        const value = registration.read()[key];
        if (typeof value === 'number') result.observe(value);
        else if (value) for (const [reason, n] of Object.entries(value)) result.observe(n, { reason });
      });
    }
  }
}

/** Counts broken down by reason, e.g. `{ queue_full: 3, below_threshold: 120 }`. */
export type ReasonCounts = Record<string, number>;

/** A counter broken down by reason, e.g. drops by `queue_full`, `sampled_out`, `rate_limited`. */
export class ReasonCounter {
  private readonly counts: Record<string, number> = Object.create(null);
  total = 0;

  add(reason: string, n = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + n;
    this.total += n;
  }

  get(reason: string): number {
    return this.counts[reason] ?? 0;
  }

  toJSON(): ReasonCounts {
    return { ...this.counts };
  }
}
