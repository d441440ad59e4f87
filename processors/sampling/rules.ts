import type { SeverityNumber } from '@opentelemetry/api';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/core/errors.js';
import { parseSeverity, SEVERITY_FORM, severityName } from '../../src/core/severity.js';

/** The severity ranges a sampling ratio applies to, as written in rules (`info: 0.1`). */
export const SEVERITY_RANGES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type SeverityRange = (typeof SEVERITY_RANGES)[number];

/** A token bucket per logger + severity range: `perSecond` refill, at most `burst` at once. */
export interface RateLimitRule {
  perSecond: number;
  burst: number;
}

/**
 * One layer of logging rules, as written in the environment, a rules file, a polled URL or set through
 * `setLevel`. Every field is optional; layers are merged in that order, a later layer winning per key.
 *
 * A rules file (JSON or YAML) has the same shape:
 * ```yaml
 * level: info              # global minimum severity
 * levels:                  # per logger-name pattern; the most specific pattern wins
 *   billing.*: debug
 *   http: warn
 * sample:                  # keep this fraction of a severity range, decided per trace
 *   info: 0.1
 * rateLimit:               # per logger + severity range; 0 turns it off
 *   perSecond: 100
 *   burst: 200
 * ```
 */
export interface LevelRules {
  level?: SeverityNumber;
  levels?: Readonly<Record<string, SeverityNumber>>;
  sample?: Readonly<Partial<Record<SeverityRange, number>>>;
  rateLimit?: RateLimitRule;
}

const DOCUMENT_KEYS = ['level', 'levels', 'sample', 'rateLimit'];
const PATTERN = /^[A-Za-z0-9_.:/@*-]+$/;
export const PATTERN_FORM = 'a logger-name pattern of letters, digits, . _ - : / @ and * wildcards';

/**
 * Validates a parsed rules document (from JSON or YAML). `where` names its origin in errors, e.g.
 * `OTEL_LOGKIT_LEVELS_FILE (/etc/app/levels.yaml)`, so a broken file reports field, value and form.
 */
export function rulesFromDocument(document: unknown, where: string): LevelRules {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(where, document, `a map with any of ${DOCUMENT_KEYS.join(', ')}`);
  }
  const doc = document as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!DOCUMENT_KEYS.includes(key)) throw new ConfigError(`${where} ${key}`, doc[key], `one of the keys ${DOCUMENT_KEYS.join(', ')}`);
  }
  const rules: LevelRules = {};
  if (doc.level !== undefined && doc.level !== null) rules.level = severityOf(doc.level, `${where} level`);
  if (doc.levels !== undefined && doc.levels !== null) rules.levels = levelsOf(mapOf(doc.levels, `${where} levels`), `${where} levels`);
  if (doc.sample !== undefined && doc.sample !== null) rules.sample = ratiosOf(mapOf(doc.sample, `${where} sample`), `${where} sample`);
  if (doc.rateLimit !== undefined && doc.rateLimit !== null) {
    const limit = mapOf(doc.rateLimit, `${where} rateLimit`);
    const perSecond = countOf(limit.perSecond ?? 0, `${where} rateLimit.perSecond`);
    rules.rateLimit = { perSecond, burst: countOf(limit.burst ?? perSecond, `${where} rateLimit.burst`) };
  }
  return rules;
}

/** Parses the text of a rules file or URL: YAML, which JSON is a subset of. */
export function parseRulesText(text: string, where: string): LevelRules {
  if (text.trim() === '') throw new ConfigError(where, '', 'a JSON or YAML rules document (the file is empty)');
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new ConfigError(where, `${text.slice(0, 40)}…`, `a JSON or YAML rules document (${reason})`, { cause });
  }
  return rulesFromDocument(document, where);
}

/** `pattern → level` entries, validated; shared by the environment variable and the rules documents. */
export function levelsOf(entries: Readonly<Record<string, unknown>>, where: string): Record<string, SeverityNumber> {
  const out: Record<string, SeverityNumber> = Object.create(null);
  for (const [pattern, level] of Object.entries(entries)) {
    checkPattern(pattern, where);
    out[pattern] = severityOf(level, `${where} ${pattern}`);
  }
  return out;
}

/** `severity range → ratio` entries, validated; `info2: 0.5` counts for the whole INFO range. */
export function ratiosOf(entries: Readonly<Record<string, unknown>>, where: string): Partial<Record<SeverityRange, number>> {
  const out: Partial<Record<SeverityRange, number>> = Object.create(null);
  for (const [name, ratio] of Object.entries(entries)) {
    const severity = parseSeverity(name);
    if (severity === undefined) throw new ConfigError(where, name, SEVERITY_FORM);
    const n = typeof ratio === 'string' ? Number(ratio) : ratio;
    if (typeof n !== 'number' || !(n >= 0 && n <= 1)) throw new ConfigError(`${where} ${name}`, ratio, 'a number from 0 to 1');
    out[severityName(severity).toLowerCase() as SeverityRange] = n;
  }
  return out;
}

export function checkPattern(pattern: string, where: string): void {
  if (!PATTERN.test(pattern)) throw new ConfigError(where, pattern, PATTERN_FORM);
}

function severityOf(value: unknown, where: string): SeverityNumber {
  const parsed = typeof value === 'string' || typeof value === 'number' ? parseSeverity(String(value)) : undefined;
  if (parsed === undefined) throw new ConfigError(where, value, SEVERITY_FORM);
  return parsed;
}

function mapOf(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(where, value, 'a map');
  return value as Record<string, unknown>;
}

function countOf(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ConfigError(where, value, 'a number of records, 0 or more');
  return value;
}

/** The effective rules: each layer in order, a later one winning per key. */
export function mergeRules(layers: readonly LevelRules[]): LevelRules {
  const levels: Record<string, SeverityNumber> = Object.create(null);
  const sample: Partial<Record<SeverityRange, number>> = Object.create(null);
  const merged: LevelRules = { levels, sample };
  for (const layer of layers) {
    if (layer.level !== undefined) merged.level = layer.level;
    if (layer.rateLimit !== undefined) merged.rateLimit = layer.rateLimit;
    Object.assign(levels, layer.levels);
    Object.assign(sample, layer.sample);
  }
  return merged;
}

/** What differs between two layers, one line per key, e.g. `levels.billing.*: INFO → DEBUG`; for the audit record. */
export function describeChanges(before: LevelRules, after: LevelRules): string[] {
  const changes: string[] = [];
  const show = (n: SeverityNumber | undefined) => (n === undefined ? 'unset' : severityLabel(n));
  if (before.level !== after.level) changes.push(`level: ${show(before.level)} → ${show(after.level)}`);
  for (const pattern of keysOf(before.levels, after.levels)) {
    const was = before.levels?.[pattern];
    const now = after.levels?.[pattern];
    if (was !== now) changes.push(`levels.${pattern}: ${show(was)} → ${show(now)}`);
  }
  for (const range of keysOf(before.sample, after.sample) as SeverityRange[]) {
    const was = before.sample?.[range];
    const now = after.sample?.[range];
    if (was !== now) changes.push(`sample.${range}: ${was ?? 'unset'} → ${now ?? 'unset'}`);
  }
  const limit = (r: RateLimitRule | undefined) => (r === undefined ? 'unset' : `${r.perSecond}/s burst ${r.burst}`);
  if (limit(before.rateLimit) !== limit(after.rateLimit)) changes.push(`rateLimit: ${limit(before.rateLimit)} → ${limit(after.rateLimit)}`);
  return changes;
}

/** `DEBUG`, or `DEBUG2` for a number inside the range, so audit lines round-trip through `parseSeverity`. */
export function severityLabel(severity: SeverityNumber): string {
  const name = severityName(severity);
  const offset = severity - (parseSeverity(name) ?? severity);
  return offset === 0 ? name : `${name}${offset + 1}`;
}

function keysOf(a: object | undefined, b: object | undefined): string[] {
  return [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
}
