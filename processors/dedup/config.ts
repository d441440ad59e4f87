import { CORRELATION_ATTRIBUTES, DEDUP_ATTRIBUTES, DEFERRAL_ATTRIBUTES } from '../../src/core/attributes.js';
import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';

/** Options given in code; each overrides the environment variable it names. */
export interface DedupOptions {
  /** `OTEL_LOGKIT_DEDUP_WINDOW` (ms; off when unset or 0): identical records within it are folded into one. */
  windowMs?: number;
  /**
   * `OTEL_LOGKIT_DEDUP_FIELDS` (comma list): the attribute keys that, with severity, scope and body, make
   * records the same. Unset: every attribute but the pipeline's ids (see {@link NEVER_COMPARED}).
   */
  fields?: readonly string[];
  /** `OTEL_LOGKIT_DEDUP_MAX_KEYS` (default 1000): distinct records folded at once; beyond, records pass unfolded (counted). */
  maxKeys?: number;
}

/** The validated dedup settings; `windowMs` 0 means the stage is off. */
export interface DedupConfig {
  windowMs: number;
  /** The attribute keys compared; undefined: all of them but {@link NEVER_COMPARED}. */
  fields?: readonly string[];
  maxKeys: number;
}

/**
 * Attributes that differ between records of one storm by construction — ids, sequence numbers, the
 * pipeline's own marks — and so never make two records different.
 */
export const NEVER_COMPARED: ReadonlySet<string> = new Set<string>([
  ...Object.values(CORRELATION_ATTRIBUTES),
  ...Object.values(DEFERRAL_ATTRIBUTES),
  ...Object.values(DEDUP_ATTRIBUTES),
]);

export function parseDedupConfig(read: SettingsReader, options: DedupOptions = {}): DedupConfig {
  const windowMs = read.int('OTEL_LOGKIT_DEDUP_WINDOW', 0, { max: 3_600_000 }, options.windowMs);
  const maxKeys = read.int('OTEL_LOGKIT_DEDUP_MAX_KEYS', 1000, { min: 1, max: 1_000_000 }, options.maxKeys);
  if (options.fields === undefined && read.raw('OTEL_LOGKIT_DEDUP_FIELDS') === undefined) return { windowMs, maxKeys };
  const fields = read.list('OTEL_LOGKIT_DEDUP_FIELDS', [], options.fields);
  for (let i = 0; i < fields.length; i++) {
    // Read from the option itself when given, so an error in a configuration file names the entry's YAML path.
    const key = options.fields !== undefined ? options.fields[i]! : fields[i]!;
    if (NEVER_COMPARED.has(key)) {
      const setting = options.fields === undefined ? 'OTEL_LOGKIT_DEDUP_FIELDS' : 'option overriding OTEL_LOGKIT_DEDUP_FIELDS';
      throw new ConfigError(setting, key, `attribute keys other than the pipeline's ids and marks, which differ from record to record by design (${[...NEVER_COMPARED].join(', ')})`);
    }
  }
  return { windowMs, fields: [...new Set(fields)], maxKeys };
}
