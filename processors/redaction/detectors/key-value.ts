import { KeyRules } from '../key-rules.js';
import { ANGLE, SEPARATOR } from './clues.js';
import type { Detector, Span } from './detector.js';

/**
 * The key rules applied to text: `password=hunter2`, `"client_secret": "…"`, `?token=…&`,
 * `AWS_SECRET_ACCESS_KEY=…`, and each credential-like cookie of a `Cookie:` line (`sid=…`, not
 * `theme=dark`). Only the value is replaced; the kind is the rule the key matched.
 *
 * Whatever precedes the key: `--db-password=…`, `-Dspring.datasource.password=…`, `export DB_PASSWORD=…`,
 * `app.secret: …`. Separators: `=`, `:`, `=>` (Ruby, PHP, Perl dumps) and `:=` (Go, make); XML
 * elements (`<password>…</password>`, Maven and .NET configuration) count too.
 *
 * Prose mentions these words all the time ("password: must be 12 characters", "token: expired"), so an
 * unquoted value after `: ` must look like a credential rather than a word (a digit, a capital inside,
 * or a symbol). `=` and quoted values are structure, not prose, and always count.
 */
export function keyValueDetector(rules: KeyRules): Detector {
  return {
    name: 'key_value',
    trigger: { clues: SEPARATOR | ANGLE, words: [...rules.triggerWords(), ...WEAK_KEYS] },
    find(text, out) {
      findKeyValues(rules, text, out);
      if (text.includes('</')) findElements(rules, text, out);
      if (text.includes('value=')) findNamedValues(rules, text, out);
      findKeywords(rules, text, out);
    },
  };
}

/**
 * Short key names that mean a credential in configuration dumps (`DB_PASS=`, `"auth": "dXNl…"` in a
 * Docker config, `AZURE_DEVOPS_PAT=`) but are also ordinary words ("tests pass=12"): their values
 * count only when they look like a credential. Text only; as attribute names they are not blocked.
 */
const WEAK_KEYS = ['pass', 'auth', 'creds', 'pat'];
const WEAK_RULES = new KeyRules({ blocked: WEAK_KEYS, ignored: [] });

/** A key (a Java system property's `-D` is not part of it), optional closing quote (possibly JSON-escaped) and bracket (`['PASSWORD'] =`), and `:`, `=`, `=>` or `:=` (not `://`). */
const KEY = /(?<![A-Za-z0-9_])(?:-D)?([A-Za-z_][\w.-]{0,63})\\?["']?\]?[ \t]{0,8}(:=|=>?|:(?!\/\/))[ \t]{0,8}/g;
const MAX_VALUE = 4096;
/** Values that say there is no secret here. */
export const PLACEHOLDER =
  /^(?:null|nil|none|undefined|true|false|yes|no|on|off|\*+|x+|-|\[redacted[^\]]*\]|redacted|masked|hidden|filtered|<[^>]*>|\$\{\{?[^}]*\}\}?|\{\{[^}]*\}\}|\$[A-Za-z_]\w*|%\([^)]*\)[sdr]?|%s|!vault|[|>][-+]?)$/i;
const AUTH_SCHEMES = /^(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|ssws|bot)$/i;
const HEADER_LINE_RULES = new Set(['authorization', 'proxy_authorization']);

function findKeyValues(rules: KeyRules, text: string, out: Span[]): void {
  KEY.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = KEY.exec(text)) !== null) {
    let rule = rules.blockedRule(match[1]!);
    const weak = rule === undefined;
    if (weak) rule = WEAK_RULES.blockedRule(match[1]!);
    if (rule === undefined) {
      // the next key may start inside this one's separator run; KEY cannot match empty
      continue;
    }
    const at = KEY.lastIndex;
    const colon = match[2] === ':';
    // In a colon chain (`arn:aws:secretsmanager:…:secret:prod/db`) `secret` is a segment, not a field name.
    if (colon && text.charCodeAt(match.index - 1) === 58 && !/[ \t]$/.test(match[0])) continue;
    if (rule === 'cookie' || rule === 'set_cookie') {
      KEY.lastIndex = findCookies(text, at, rule, out);
      continue;
    }
    const value = readValue(text, at, colon || weak, HEADER_LINE_RULES.has(rule), weak);
    if (value === undefined) continue;
    out.push({ start: value.start, end: value.end, kind: rule });
    KEY.lastIndex = Math.max(KEY.lastIndex, value.end);
  }
}

const TEMPLATE = /^(?:\$\{\{[^}\n]{0,200}\}\}|\$\{[^}\n]{0,200}\}|\{\{[^}\n]{0,200}\}\}|%\([^)\n]{0,64}\)[sdr]?)/;

/** Cookie attributes, not cookies. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'secure', 'httponly', 'priority', 'partitioned', 'version', 'comment']);

/**
 * `Cookie:` and `Set-Cookie:` lines: each cookie whose value looks like a credential (a session id, a
 * token) is replaced; preferences (`theme=dark`, `lang=en`) and the attributes stay. Returns where the
 * header value ends.
 */
function findCookies(text: string, at: number, kind: string, out: Span[]): number {
  let quote = text.charCodeAt(at);
  if (quote === 34 || quote === 39) at++;
  else quote = 34;
  let end = at;
  const limit = Math.min(text.length, at + MAX_VALUE);
  while (end < limit && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13 && text.charCodeAt(end) !== quote) end++;
  let pair = at;
  while (pair < end) {
    let next = text.indexOf(';', pair);
    if (next < 0 || next > end) next = end;
    const equals = text.indexOf('=', pair);
    if (equals > pair && equals < next) {
      const name = text.slice(pair, equals).trim().toLowerCase();
      let start = equals + 1;
      let stop = next;
      while (start < stop && text.charCodeAt(start) === 32) start++;
      while (stop > start && /[\s,'}]/.test(text[stop - 1]!)) stop--;
      const value = text.slice(start, stop);
      if (!COOKIE_ATTRIBUTES.has(name) && value !== '' && !PLACEHOLDER.test(value) && looksLikeCredential(value)) out.push({ start, end: stop, kind });
    }
    pair = next + 1;
  }
  return end;
}

/** `{:user "app", :password "…"}`: Clojure/EDN keywords, a space between key and quoted value. */
const KEYWORD = /(?<![\w:]):([A-Za-z_][\w.-]{0,63})[ \t]{1,8}(["'])/g;

function findKeywords(rules: KeyRules, text: string, out: Span[]): void {
  KEYWORD.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = KEYWORD.exec(text)) !== null) {
    const rule = rules.blockedRule(match[1]!);
    if (rule === undefined) continue;
    const value = readValue(text, KEYWORD.lastIndex - 1, false, false, false);
    if (value !== undefined) out.push({ ...value, kind: rule });
  }
}

/** `<property name="password" value="…"/>`, `<add key="ApiKey" value="…"/>`: configuration elements. */
const NAMED_VALUE = /\b(?:name|key)=["']([\w.:-]{1,64})["'][ \t]{1,8}value=["']([^"'<>]{1,4096})["']/g;

function findNamedValues(rules: KeyRules, text: string, out: Span[]): void {
  NAMED_VALUE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = NAMED_VALUE.exec(text)) !== null) {
    const rule = rules.blockedRule(match[1]!);
    const value = match[2]!;
    if (rule === undefined || PLACEHOLDER.test(value)) continue;
    const end = match.index + match[0].length - 1;
    out.push({ start: end - value.length, end, kind: rule });
  }
}

/** `<password>hunter2</password>`: the element's text, when the element name is a blocked key. */
const ELEMENT = /<([A-Za-z_][\w.:-]{0,63})(?:[ \t][^<>]{0,256})?>([^<]{1,4096})<\//g;

function findElements(rules: KeyRules, text: string, out: Span[]): void {
  ELEMENT.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = ELEMENT.exec(text)) !== null) {
    const name = match[1]!;
    const rule = rules.blockedRule(name.slice(name.indexOf(':') + 1));
    const value = match[2]!;
    if (rule === undefined || !text.startsWith(name, ELEMENT.lastIndex) || PLACEHOLDER.test(value.trim()) || value.trim() === '') continue;
    const start = match.index + match[0].length - 2 - value.length;
    out.push({ start, end: start + value.length, kind: rule });
  }
}

function readValue(text: string, at: number, prose: boolean, toEndOfLine: boolean, strict: boolean): { start: number; end: number } | undefined {
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
    const quoted = text.slice(start, end);
    return end > start && !PLACEHOLDER.test(quoted) && (!strict || looksLikeCredential(quoted)) ? { start, end } : undefined;
  }
  // `auth: {access_token: …}`: a map or list is structure; its own keys are looked at next.
  if (c === 123 || (c === 91 && text.charCodeAt(at + 1) !== 114 && text.charCodeAt(at + 1) !== 82)) return undefined;
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
  // So is a template reference: `${DB_PASSWORD}`, `${{ secrets.TOKEN }}`, `{{ .Values.x }}`, `%(password)s`.
  const template = TEMPLATE.exec(text.slice(start, Math.min(limit, start + 256)));
  if (template !== null) return start + template[0].length;
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
export function looksLikeCredential(value: string): boolean {
  return value.length >= 4 && !/^[A-Za-z][a-z]*(?:[-_.][a-z]+)*$/.test(value);
}


