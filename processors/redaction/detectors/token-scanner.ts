import { CREDENTIAL_RUN } from './clues.js';
import type { Detector, Span } from './detector.js';

/**
 * A credential format with a literal prefix (`ghp_`, `sk-ant-`, `AKIA`, `npm_`): most vendor tokens
 * announce themselves in their first characters, which is what makes them cheap to find.
 */
export interface TokenRule {
  /** The detector the rule belongs to (its configuration name) and the kind reported. */
  readonly kind: string;
  /** The literal prefixes, case-sensitive, each at least 2 characters. */
  readonly prefixes: readonly string[];
  /**
   * The whole token, starting with one of the prefixes, including its end boundary (a lookahead).
   * Compiled once, sticky, and tried only where a prefix starts a word; every repetition is bounded.
   */
  readonly pattern: RegExp;
  /** A check on the candidate that rejects look-alikes (mixed case, a digit …). */
  readonly accept?: (token: string) => boolean;
  /** A fake value of this format, for the README catalogue and the tests. */
  readonly example: string;
  /** What the rule recognises, in a few words, for the README catalogue. */
  readonly describes: string;
}

/** Nothing that can continue a token follows it. */
export const TOKEN_END = '(?![A-Za-z0-9_-])';
/** Nothing that can continue a base64 token follows it. */
export const TOKEN_END_BASE64 = '(?![A-Za-z0-9+/=_-])';

/** A rule from its parts, in the order the catalogue reads: kind, description, prefixes, pattern, example. */
export function tokenRule(kind: string, describes: string, prefixes: string[], pattern: string, example: string, accept?: (token: string) => boolean): TokenRule {
  return { kind, describes, prefixes, pattern: new RegExp(pattern), example, accept };
}

interface CompiledRule {
  kind: string;
  prefixes: readonly string[];
  regex: RegExp;
  accept: ((token: string) => boolean) | undefined;
}

/** Rules are bucketed by their first two characters, both ASCII: index = (c0 << 7) | c1. */
const BUCKETS = 128 * 128;

/**
 * Every prefixed token format in one pass: the text is walked once, and at the start of each word
 * (a letter or digit not preceded by one) the first two characters pick the few rules whose prefix
 * can start there. Only those rules' sticky regexes run, and only at that position, so adding a
 * format costs nothing on text that does not contain its prefix — unlike one regex per format, each
 * of which would scan the whole string. Linear: each position is a word start at most once, and a
 * rule's regex is bounded by the token's maximum length.
 */
export function tokenScanner(rules: readonly TokenRule[]): Detector {
  const buckets: (CompiledRule[] | undefined)[] = new Array(BUCKETS);
  for (const rule of rules) {
    const compiled: CompiledRule = { kind: rule.kind, prefixes: rule.prefixes, regex: new RegExp(rule.pattern.source, `${rule.pattern.flags.replace(/[gy]/g, '')}y`), accept: rule.accept };
    const keys = new Set(rule.prefixes.map((p) => (p.charCodeAt(0) << 7) | p.charCodeAt(1)));
    for (const key of keys) (buckets[key] ??= []).push(compiled);
  }
  return {
    name: 'tokens',
    trigger: { clues: CREDENTIAL_RUN, minLength: 15 },
    find(text, out) {
      scan(buckets, text, out);
    },
  };
}

function scan(buckets: (CompiledRule[] | undefined)[], text: string, out: Span[]): void {
  const n = text.length - 1;
  let previousAlnum = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const alnum = isAlnum(c);
    if (!alnum || previousAlnum) {
      previousAlnum = alnum;
      continue;
    }
    previousAlnum = true;
    const d = text.charCodeAt(i + 1);
    if (d >= 128) continue;
    const bucket = buckets[(c << 7) | d];
    if (bucket === undefined) continue;
    const end = matchAt(bucket, text, i, out);
    if (end > i) {
      // Continue after the token; its last character decides whether the next one starts a word.
      i = end - 1;
      previousAlnum = isAlnum(text.charCodeAt(i));
    }
  }
}

/** Tries the bucket's rules at `at`, in table order; the first that matches wins. Returns its end, or `at`. */
function matchAt(bucket: CompiledRule[], text: string, at: number, out: Span[]): number {
  for (const rule of bucket) {
    if (!rule.prefixes.some((prefix) => text.startsWith(prefix, at))) continue;
    rule.regex.lastIndex = at;
    const match = rule.regex.exec(text);
    if (match === null || (rule.accept && !rule.accept(match[0]))) continue;
    const end = at + match[0].length;
    out.push({ start: at, end, kind: rule.kind });
    return end;
  }
  return at;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Mixed case and a digit: what a random token has and a word or an identifier usually lacks. */
export function looksRandom(token: string): boolean {
  return /[a-z]/.test(token) && /[A-Z]/.test(token) && /\d/.test(token);
}
