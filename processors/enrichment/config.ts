import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { compileGlob, type GlobMatcher } from '../../src/core/glob.js';

/** Which W3C baggage entries become record attributes: a key allow-list (`*` = all) or a predicate. */
export type BaggageSelector = readonly string[] | ((key: string) => boolean);

/** Options given in code; each overrides the environment variable it names. */
export interface EnrichmentOptions {
  /** Tags on every record. Overrides `OTEL_LOGKIT_TAGS` (comma list: `#shop,#eu`). */
  tags?: readonly string[];
  /**
   * Tags per component (a logger name pattern as {@link compileGlob} reads it: `billing.*` is `billing`
   * and everything below it), e.g.
   * `{ 'billing.*': ['#billing'] }`. Overrides `OTEL_LOGKIT_COMPONENT_TAGS`
   * (`billing.*=#billing|#money,http=#http`).
   */
  componentTags?: Readonly<Record<string, readonly string[]>>;
  /** Baggage entries copied to attributes. Overrides `OTEL_LOGKIT_BAGGAGE_KEYS` (comma list, `*` = all). */
  baggageKeys?: BaggageSelector;
  /**
   * When a trace is active and no global id was given, use the trace id as the global id (default) or
   * generate one. Overrides `OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE`.
   */
  globalIdFromTrace?: boolean;
}

/** One component-tag rule, compiled once at startup. */
export interface ComponentTagRule {
  pattern: string;
  matches: GlobMatcher;
  tags: readonly string[];
}

/** The validated enrichment settings. */
export interface EnrichmentConfig {
  tags: readonly string[];
  componentTags: readonly ComponentTagRule[];
  /** Undefined when no baggage entry is copied (the common case: the hot path skips baggage entirely). */
  baggage?: (key: string) => boolean;
  globalIdFromTrace: boolean;
}

const COMPONENT_TAGS_FORM = 'a comma-separated list of pattern=tag|tag, e.g. billing.*=#billing|#money,http=#http';

export function parseEnrichmentConfig(read: SettingsReader, options: EnrichmentOptions = {}): EnrichmentConfig {
  const tags = unique(read.list('OTEL_LOGKIT_TAGS', [], options.tags));
  const componentSetting = options.componentTags !== undefined ? 'option overriding OTEL_LOGKIT_COMPONENT_TAGS' : 'OTEL_LOGKIT_COMPONENT_TAGS';
  const componentTags: ComponentTagRule[] = [];
  if (options.componentTags !== undefined) {
    for (const [pattern, list] of Object.entries(options.componentTags)) componentTags.push(compileRule(componentSetting, pattern, list));
  } else {
    const raw = read.raw('OTEL_LOGKIT_COMPONENT_TAGS');
    for (const [pattern, value] of Object.entries(read.keyValues('OTEL_LOGKIT_COMPONENT_TAGS'))) {
      const list = value.split('|').map((t) => t.trim()).filter((t) => t !== '');
      if (list.length === 0) throw new ConfigError(componentSetting, raw, COMPONENT_TAGS_FORM);
      componentTags.push(compileRule(componentSetting, pattern, list));
    }
  }
  return {
    tags,
    componentTags,
    baggage: baggageSelector(read.list('OTEL_LOGKIT_BAGGAGE_KEYS', [], typeof options.baggageKeys === 'function' ? undefined : options.baggageKeys), options.baggageKeys),
    globalIdFromTrace: read.bool('OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE', true, options.globalIdFromTrace),
  };
}

function compileRule(setting: string, pattern: string, tags: readonly string[]): ComponentTagRule {
  if (pattern.trim() === '' || tags.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new ConfigError(setting, `${pattern}=${tags.join('|')}`, COMPONENT_TAGS_FORM);
  }
  return { pattern, matches: compileGlob(pattern), tags: unique(tags) };
}

function baggageSelector(keys: readonly string[], option: BaggageSelector | undefined): ((key: string) => boolean) | undefined {
  if (typeof option === 'function') return option;
  if (keys.length === 0) return undefined;
  if (keys.includes('*')) return () => true;
  const allowed = new Set(keys);
  return (key) => allowed.has(key);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
}
