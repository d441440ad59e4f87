import type { KeyRules } from '../key-rules.js';
import { SEPARATOR } from './clues.js';
import type { Detector, Span } from './detector.js';

/**
 * The key rules applied to text: `password=hunter2`, `"client_secret": "…"`, `?token=…&`,
 * `Cookie: sid=…; theme=dark`, `AWS_SECRET_ACCESS_KEY=…`. Only the value is replaced; the kind is the
 * rule the key matched.
 *
 * Prose mentions these words all the time ("password: must be 12 characters", "token: expired"), so an
 * unquoted value after `: ` must look like a credential rather than a word (a digit, a capital inside,
 * or a symbol). `=` and quoted values are structure, not prose, and always count.
 */
export function keyValueDetector(rules: KeyRules): Detector {
  return {
    name: 'key_value',
    trigger: { clues: SEPARATOR, words: rules.triggerWords() },
    find(text, out) {
      findKeyValues(rules, text, out);
    },
  };
}

/** A key, optional closing quote (possibly JSON-escaped), and `:` or `=` (not `://`). */
const KEY = /(?<![\w.-])([A-Za-z_][\w.-]{0,63})\\?["']?[ \t]{0,8}(=|:(?!\/\/))[ \t]{0,8}/g;
const MAX_VALUE = 4096;
/** Values that say there is no secret here. */
const PLACEHOLDER = /^(?:null|nil|none|undefined|true|false|yes|no|on|off|\*+|x+|-|\[redacted[^\]]*\]|<[^>]*>|\$\{[^}]*\}|%s)$/i;
const AUTH_SCHEMES = /^(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256)$/i;
const HEADER_LINE_RULES = new Set(['cookie', 'set_cookie', 'authorization', 'proxy_authorization']);

function findKeyValues(rules: KeyRules, text: string, out: Span[]): void {
  KEY.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = KEY.exec(text)) !== null) {
    const rule = rules.blockedRule(match[1]!);
    if (rule === undefined) {
      // the next key may start inside this one's separator run; KEY cannot match empty
      continue;
    }
    const at = KEY.lastIndex;
    const colon = match[2] === ':';
    // In a colon chain (`arn:aws:secretsmanager:…:secret:prod/db`) `secret` is a segment, not a field name.
    if (colon && text.charCodeAt(match.index - 1) === 58 && !/[ \t]$/.test(match[0])) continue;
    const value = readValue(text, at, colon, HEADER_LINE_RULES.has(rule));
    if (value === undefined) continue;
    out.push({ start: value.start, end: value.end, kind: rule });
    KEY.lastIndex = Math.max(KEY.lastIndex, value.end);
  }
}

function readValue(text: string, at: number, prose: boolean, toEndOfLine: boolean): { start: number; end: number } | undefined {
  let c = text.charCodeAt(at);
  // JSON-escaped quote inside a message that carries JSON: \"secret\"
  let escaped = false;
  if (c === 92 && (text.charCodeAt(at + 1) === 34 || text.charCodeAt(at + 1) === 39)) {
    escaped = true;
    at++;
    c = text.charCodeAt(at);
  }
  if (c === 34 || c === 39) {
    const start = at + 1;
    const limit = Math.min(text.length, start + MAX_VALUE);
    let end = start;
    while (end < limit) {
      const d = text.charCodeAt(end);
      if (d === c && (escaped ? text.charCodeAt(end - 1) === 92 : text.charCodeAt(end - 1) !== 92)) break;
      end++;
    }
    if (escaped && end < limit) end--; // leave the backslash of \" in place
    return end > start && !PLACEHOLDER.test(text.slice(start, end)) ? { start, end } : undefined;
  }
  // `Authorization: Bearer abc…`: the scheme stays readable, the credential is what follows it.
  let first = wordEnd(text, at, Math.min(text.length, at + MAX_VALUE));
  if (first > at && text.charCodeAt(first) === 32 && AUTH_SCHEMES.test(text.slice(at, first))) {
    at = first + 1;
    first = wordEnd(text, at, Math.min(text.length, at + MAX_VALUE));
  }
  if (first === at) return undefined;
  const word = text.slice(at, first);
  if (PLACEHOLDER.test(word) || (prose && !looksLikeCredential(word))) return undefined;
  let end = first;
  if (toEndOfLine) {
    const limit = Math.min(text.length, at + MAX_VALUE);
    while (end < limit && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
    while (end > first && /[\s"',}]/.test(text[end - 1]!)) end--;
  }
  return { start: at, end };
}

/** An unquoted value ends at whitespace or at what ends a field in logfmt, query strings, JSON and headers. */
function wordEnd(text: string, start: number, limit: number): number {
  // A bracketed placeholder (`[REDACTED]`, `<none>`) is one word.
  const open = text.charCodeAt(start);
  if (open === 91 || open === 60) {
    const close = text.indexOf(open === 91 ? ']' : '>', start);
    if (close > start && close < limit && !/\s/.test(text.slice(start, close))) return close + 1;
  }
  let end = start;
  while (end < limit) {
    const d = text.charCodeAt(end);
    // space, tab, CR, LF, " ' , ; & } ) ] > \
    if (d === 32 || d === 9 || d === 10 || d === 13 || d === 34 || d === 39 || d === 44 || d === 59 || d === 38 || d === 125 || d === 41 || d === 93 || d === 62 || d === 92) break;
    end++;
  }
  // a sentence may end right after the value
  while (end > start + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 58) && (end === limit || text.charCodeAt(end) === 32 || end === text.length)) end--;
  return end;
}

/**
 * Words of prose and resource names are letters, maybe capitalised and joined by `-`, `_` or `.`
 * (`expired`, `db-credentials`); a credential has digits, other symbols or inner capitals, and is not tiny.
 */
function looksLikeCredential(value: string): boolean {
  return value.length >= 4 && !/^[A-Za-z][a-z]*(?:[-_.][a-z]+)*$/.test(value);
}


