import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';

/** How long each kind of stream is kept (`OTEL_LOGKIT_RETENTION=app=14d,audit=400d`), as Elasticsearch durations. */
export interface Retention {
  app?: string;
  audit?: string;
}

const DURATION = /^[1-9]\d*[dh]$/;
const FORM = 'app=<duration>,audit=<duration> with durations such as 14d or 36h, e.g. app=14d,audit=400d';

/** Reads `OTEL_LOGKIT_RETENTION` (or the option overriding it); undefined when neither is set. */
export function parseRetention(read: SettingsReader, option?: Retention): Retention | undefined {
  const setting = option === undefined ? 'OTEL_LOGKIT_RETENTION' : 'option overriding OTEL_LOGKIT_RETENTION';
  const entries = option === undefined ? read.keyValues('OTEL_LOGKIT_RETENTION') : { ...option };
  const shown = option === undefined ? read.raw('OTEL_LOGKIT_RETENTION') : JSON.stringify(option);
  if (Object.keys(entries).length === 0) return undefined;
  const retention: Retention = {};
  for (const [key, value] of Object.entries(entries)) {
    if ((key !== 'app' && key !== 'audit') || typeof value !== 'string' || !DURATION.test(value)) throw new ConfigError(setting, shown, FORM);
    retention[key] = value;
  }
  return retention;
}

/**
 * Which retention a target (its dataset, or its index name) gets: the audit one for the audit stream (dataset `audit`, as in the
 * documented route `log.type=audit -> elasticsearch(dataset=audit)`, or an index named `audit…`),
 * the application one for every other.
 */
export function retentionOf(retention: Retention | undefined, name: string): string | undefined {
  const audit = name === 'audit' || name.startsWith('audit.') || name.startsWith('audit-') || name.startsWith('audit_');
  return audit ? retention?.audit : retention?.app;
}

/** The ISM policy id for a data stream: one per stream, so app and audit retention stay apart. */
export function ismPolicyId(stream: string): string {
  return `otel-logkit-${stream}`;
}

/**
 * An OpenSearch ISM policy that keeps a data stream's backing indices for `retention`: each rolls over
 * daily (so retention is kept to within a day, not a whole index), and is deleted once `retention`
 * old. The `ism_template` attaches it to every backing index the stream creates.
 */
export function ismPolicy(stream: string, retention: string): Record<string, unknown> {
  return {
    policy: {
      description: `otel-logkit: keep ${stream} for ${retention}`,
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [{ rollover: { min_index_age: '1d' } }], transitions: [{ state_name: 'delete', conditions: { min_index_age: retention } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`.ds-${stream}-*`], priority: 100 }],
    },
  };
}
