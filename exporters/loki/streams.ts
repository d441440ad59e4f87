import type { HrTime } from '@opentelemetry/api';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import { severityName } from '../../src/core/severity.js';
import { ReasonCounter } from '../../src/core/stats.js';
import { recordTime, resourceAttributes, toJsonValue, toText } from '../../src/core/record-fields.js';
import { type LokiConfig, lokiLabelName } from './config.js';

/** One log line of a Loki stream. */
export interface LokiEntry {
  time: HrTime;
  line: string;
  /** Structured metadata (Loki 3): per-entry name/value pairs that are not indexed as labels. */
  metadata: [name: string, value: string][];
}

/** Entries sharing one label set, ordered by time (Loki rejects out-of-order entries within a stream). */
export interface LokiStream {
  /** Label name → value, as the JSON push format wants it. */
  labels: Record<string, string>;
  /** The same labels in Loki's selector syntax `{a="1", b="2"}`, as the protobuf format wants it. */
  selector: string;
  entries: LokiEntry[];
}

/** Label values are cut here, well under Loki's default `max_label_value_length` (2048). */
const MAX_LABEL_VALUE_LENGTH = 1024;

/** The value a label takes when its distinct-value budget is spent. */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * Keeps labels low-cardinality: each label admits at most `maxValues` distinct values for the life of
 * the process; later values collapse to {@link OVERFLOW_LABEL_VALUE} (counted per label), because every
 * distinct label set is a new Loki stream and too many streams is what takes a Loki down. The entry
 * still carries the real value as structured metadata, so nothing is lost.
 */
export class LabelCardinalityGuard {
  private readonly seen = new Map<string, Set<string>>();
  readonly collapsed = new ReasonCounter();

  constructor(private readonly maxValues: number) {}

  admit(label: string, value: string): string {
    let values = this.seen.get(label);
    if (values === undefined) this.seen.set(label, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.maxValues) {
      this.collapsed.add(label);
      return OVERFLOW_LABEL_VALUE;
    }
    values.add(value);
    return value;
  }
}

/** Groups a batch into streams by label set; everything not a label travels as structured metadata. */
export class LokiStreamBuilder {
  private readonly labelKeys: readonly { key: string; name: string }[];
  /** Label sets seen so far by their values: most records share a handful, so the selector is built once each. */
  private readonly labelSets = new Map<string, { labels: Record<string, string>; selector: string }>();

  constructor(
    private readonly config: Pick<LokiConfig, 'labels' | 'lineFormat' | 'staticLabels' | 'structuredMetadata'>,
    private readonly guard: LabelCardinalityGuard,
  ) {
    this.labelKeys = config.labels.map((key) => ({ key, name: lokiLabelName(key) }));
  }

  build(records: readonly LogkitRecord[]): LokiStream[] {
    const streams = new Map<string, LokiStream>();
    for (const record of records) {
      const { labels, selector } = this.labelsOf(record);
      let stream = streams.get(selector);
      if (stream === undefined) streams.set(selector, (stream = { labels, selector, entries: [] }));
      stream.entries.push({ time: recordTime(record), line: this.lineOf(record), metadata: this.metadataOf(record) });
    }
    const out = [...streams.values()];
    for (const stream of out) stream.entries.sort((a, b) => a.time[0] - b.time[0] || a.time[1] - b.time[1]);
    return out;
  }

  private labelsOf(record: LogkitRecord): { labels: Record<string, string>; selector: string } {
    const values: (string | undefined)[] = [];
    for (const { key, name } of this.labelKeys) {
      const value = key === 'severity' ? severityName(record.severityNumber).toLowerCase() : labelSource(record, key);
      // Loki refuses a whole push over one label value longer than max_label_value_length (2048 by default).
      const bounded = value !== undefined && value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
      values.push(bounded === undefined || bounded === '' ? undefined : this.guard.admit(name, bounded));
    }
    const cacheKey = JSON.stringify(values); // unambiguous whatever the values contain
    let set = this.labelSets.get(cacheKey);
    if (set === undefined) {
      const labels: Record<string, string> = Object.create(null);
      this.labelKeys.forEach(({ name }, i) => {
        if (values[i] !== undefined) labels[name] = values[i];
      });
      Object.assign(labels, this.config.staticLabels);
      // Loki refuses a stream without labels; its own OTLP ingestion uses the same fallback.
      if (Object.keys(labels).length === 0) labels.service_name = 'unknown_service';
      // Bounded: the guard admits at most maxLabelValues distinct values per label.
      this.labelSets.set(cacheKey, (set = { labels, selector: formatSelector(labels) }));
    }
    return set;
  }

  private lineOf(record: LogkitRecord): string {
    if (this.config.lineFormat === 'text') return toText(record.body ?? record.eventName);
    const line: Record<string, unknown> = Object.create(null);
    line.severity = record.severityText ?? severityName(record.severityNumber);
    if (record.instrumentationScope.name) line.scope = record.instrumentationScope.name;
    if (record.eventName) line.event_name = record.eventName;
    line.body = toJsonValue(record.body);
    // An attribute named like a record field (`body`, `severity`) must not replace it.
    for (const key of Object.keys(record.attributes)) if (!(key in line)) line[key] = toJsonValue(record.attributes[key]);
    return JSON.stringify(line);
  }

  private metadataOf(record: LogkitRecord): [string, string][] {
    const out: [string, string][] = [];
    if (!this.config.structuredMetadata) return out;
    const span = record.spanContext;
    if (span) {
      out.push(['trace_id', span.traceId], ['span_id', span.spanId]);
    }
    if (record.instrumentationScope.name) out.push(['scope_name', record.instrumentationScope.name]);
    flatten(record.attributes, '', out, this.labelKeys);
    return out;
  }
}

/** Record attributes win over resource attributes for a label, so a route or enrichment can override. */
function labelSource(record: LogkitRecord, key: string): string | undefined {
  const own = record.attributes[key];
  if (own !== undefined && own !== null) return toText(own);
  const resource = resourceAttributes(record.resource)[key];
  return resource === undefined || resource === null ? undefined : toText(resource as LogValue);
}

/** Nested maps become `parent_child` names, as Loki's OTLP ingestion flattens them; other values become text. */
function flatten(map: LogMap, prefix: string, out: [string, string][], labelKeys: readonly { key: string }[]): void {
  for (const key of Object.keys(map)) {
    if (prefix === '' && labelKeys.some((l) => l.key === key)) continue; // already a label
    const value: LogValue = map[key];
    if (value === undefined || value === null) continue;
    const name = prefix === '' ? metadataName(key) : `${prefix}_${metadataName(key)}`;
    if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof OtlpDouble)) flatten(value, name, out, []);
    else out.push([name, toText(value)]);
  }
}

const metadataNames = new Map<string, string>();

/** Attribute keys repeat on every record: their Loki names are computed once (up to a bound, keys being open-ended). */
function metadataName(key: string): string {
  let name = metadataNames.get(key);
  if (name === undefined) {
    name = lokiLabelName(key);
    if (metadataNames.size < 10_000) metadataNames.set(key, name);
  }
  return name;
}

/** `{a="1", b="x\"y"}`: values quoted the way Loki's label parser (PromQL's) reads them back. */
export function formatSelector(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(', ')}}`;
}
