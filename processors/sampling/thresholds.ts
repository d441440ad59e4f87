import { SeverityNumber } from '@opentelemetry/api';
import { compileGlob } from '../../src/core/glob.js';
import { parseSeverity } from '../../src/core/severity.js';
import { type LevelRules, type RateLimitRule, SEVERITY_RANGES } from './rules.js';

interface CompiledPattern {
  readonly test: (name: string) => boolean;
  readonly level: SeverityNumber;
  /** Literal characters; an exact name beats any wildcard, a longer pattern beats a shorter one. */
  readonly specificity: number;
}

/** Logger names remembered per rules version; past that the cache starts over (dynamic names would grow it forever). */
const MAX_CACHED_NAMES = 10_000;

/**
 * The effective rules, precompiled for the emit hot path: one `Map` lookup per record for the logger's
 * threshold (filled on first sight of a name) and one array index for its severity's sampling ratio.
 * A change of rules builds a new instance, which is how the cache is invalidated: nothing is mutated.
 */
export class CompiledRules {
  readonly level: SeverityNumber;
  /** Ratio kept per severity number 0..24; 1 keeps all. */
  readonly ratios: Float64Array;
  readonly rateLimit: RateLimitRule | undefined;
  private readonly patterns: CompiledPattern[];
  private readonly cache = new Map<string, SeverityNumber>();

  constructor(readonly rules: LevelRules) {
    this.level = rules.level ?? SeverityNumber.INFO;
    this.patterns = Object.entries(rules.levels ?? {})
      .map(([pattern, level]) => compilePattern(pattern, level))
      .sort((a, b) => b.specificity - a.specificity);
    this.ratios = new Float64Array(25).fill(1);
    for (const range of SEVERITY_RANGES) {
      const ratio = rules.sample?.[range];
      if (ratio === undefined) continue;
      const bottom = parseSeverity(range)!;
      for (let n = bottom; n < bottom + 4; n++) this.ratios[n] = ratio;
    }
    this.rateLimit = rules.rateLimit && rules.rateLimit.perSecond > 0 ? rules.rateLimit : undefined;
  }

  /** The minimum severity kept for a logger (instrumentation scope) name. */
  thresholdFor(name: string): SeverityNumber {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    let level = this.level;
    for (const pattern of this.patterns) {
      if (pattern.test(name)) {
        level = pattern.level;
        break;
      }
    }
    if (this.cache.size >= MAX_CACHED_NAMES) this.cache.clear();
    this.cache.set(name, level);
    return level;
  }
}

/** An exact name beats any wildcard; otherwise the pattern with more literal characters wins. */
function compilePattern(pattern: string, level: SeverityNumber): CompiledPattern {
  const specificity = pattern.includes('*') ? pattern.replaceAll('*', '').length : Number.MAX_SAFE_INTEGER;
  return { test: compileGlob(pattern), level, specificity };
}
