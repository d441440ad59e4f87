/**
 * Key rules: which map keys (attribute names, keys of structured bodies, `key=value` names in text)
 * carry a secret whatever their value looks like. Keys are compared case- and separator-insensitively:
 * `Client-Secret`, `client_secret`, `clientSecret` and `CLIENTSECRET` are the same key.
 */

/** The default block list; a key is blocked when one of these ends it (`db.password`, `x-api-key`). */
export const DEFAULT_BLOCKED_KEYS: readonly string[] = [
  'password', 'passwd', 'pwd', 'passphrase',
  'secret', 'client_secret', 'secret_key', 'api_secret',
  'token', 'access_token', 'refresh_token', 'id_token', 'auth_token', 'session_token', 'jwt',
  'api_key', 'access_key', 'secret_access_key', 'private_key',
  'authorization', 'proxy_authorization', 'cookie', 'set_cookie', 'credentials',
  'credit_card', 'card_number', 'cc_number', 'cvv', 'cvc', 'ssn', 'social_security_number',
  // signed URLs (X-Amz-Signature, X-Amz-Credential, X-Goog-Signature, Azure SAS `sig`), cloud keys
  'credential', 'signature', 'sig', 'private_key_id', 'account_key', 'shared_access_key', 'connection_string',
  'app_key', 'auth_key', 'master_key', 'encryption_key', 'signing_key', 'secret_key_base', 'rediscli_auth',
  'storage_key', 'license_key', 'sonar_login',
];

/**
 * Names that also end a key written as one word (`PGPASSWORD`, `MYSQLPASSWD`, `APPSECRET`): long and
 * distinctive enough that a word ending with them is about them.
 */
const WORD_ENDINGS = ['password', 'passwd', 'secret', 'token'];

/**
 * Keys whose integer values may be card numbers (`card`, `payment.pan`, `cardNo`): the last words of
 * the key spell one of these. Integers under any other key are ids, counts or amounts, never checked
 * for a card number (a random 64-bit id passes Luhn with a card prefix about one time in ten). Card
 * numbers in strings are found under any key. `card_number`, `credit_card` and `cc_number` are block
 * rules besides: their values are redacted whole.
 */
export const CARD_KEYS: readonly string[] = ['card', 'pan', 'card_no', 'card_num', 'card_number', 'credit_card', 'cc_number', 'cc_num', 'primary_account_number'];

/**
 * Keys that hold an address or a connection string: the value is sanitized by the URL sanitizer
 * (credentials out, scheme, host, port and path kept), not blanked. A connection string that is not a URL
 * (`Server=…;Password=…`) is still redacted whole, under the kind `connection_string`.
 */
const URL_KEYS: readonly string[] = ['url', 'uri', 'dsn'];
const CONNECTION_STRING_KEYS: readonly string[] = ['connection_string', 'conn_string', 'connection_url', 'conn_str'];
const CONNECTION_STRING_KIND = 'connection_string';

/** What a key means for its value. */
export type KeyVerdict =
  /** An ordinary key: its value is scanned by the value detectors; `cards`: its integers may be card numbers. */
  | { readonly type: 'scan'; readonly cards?: boolean }
  /** Never touched, not even scanned. */
  | { readonly type: 'ignore' }
  /** The whole value is a secret of this kind (the rule's name, e.g. `api_key`, or `not_allowed`). */
  | { readonly type: 'redact'; readonly kind: string }
  /**
   * A URL or a database statement: sanitized (credentials, literals), then scanned. `otherwise`: the kind a
   * value that is not a URL is redacted whole as (a connection string in another form).
   */
  | { readonly type: 'sanitize'; readonly sanitizer: Sanitizer; readonly otherwise?: string };

/** The attribute sanitizers: `url` for URL attributes, `db` for database statements. */
export type Sanitizer = 'url' | 'db';

/** The kind reported for values of keys outside the allow-list. */
export const NOT_ALLOWED_KIND = 'not_allowed';

const SCAN: KeyVerdict = { type: 'scan' };
const IGNORE: KeyVerdict = { type: 'ignore' };
const SCAN_CARDS: KeyVerdict = { type: 'scan', cards: true };
const URL_KEY: KeyVerdict = { type: 'sanitize', sanitizer: 'url' };
const CONNECTION_STRING_KEY: KeyVerdict = { type: 'sanitize', sanitizer: 'url', otherwise: CONNECTION_STRING_KIND };
/** Attribute keys repeat endlessly; a bounded cache keeps classification off the hot path. */
const CACHE_LIMIT = 4096;

export interface KeyRulesSpec {
  blocked: readonly string[];
  /** When set, only these keys keep their values (allow-list mode). */
  allowed?: readonly string[];
  ignored: readonly string[];
  /** Attribute names (exact) whose values are sanitized rather than only scanned. */
  sanitized?: Readonly<Record<Sanitizer, readonly string[]>>;
}

/**
 * Classifies keys, compiled once from the configured lists.
 *
 * @example
 * const rules = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: [] });
 * rules.classify('http.request.header.x-api-key'); // { type: 'redact', kind: 'api_key' }
 */
export class KeyRules {
  private readonly blocked = new Map<string, string>();
  private readonly endings = new BlockedEndings();
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly ignored: ReadonlySet<string>;
  private readonly cache = new Map<string, KeyVerdict>();
  private readonly textCache = new Map<string, string | null>();
  private readonly sanitized = new Map<string, KeyVerdict>();
  private readonly cardKeys = new KeyEndings(CARD_KEYS);
  private readonly urlKeys = new KeyEndings(URL_KEYS);
  private readonly connectionStringKeys = new KeyEndings(CONNECTION_STRING_KEYS);

  constructor(spec: KeyRulesSpec) {
    for (const name of spec.blocked) {
      this.blocked.set(normalizeKey(name), name);
      this.endings.add(normalizeKey(name));
    }
    for (const sanitizer of ['url', 'db'] as const) {
      const verdict: KeyVerdict = { type: 'sanitize', sanitizer };
      for (const key of spec.sanitized?.[sanitizer] ?? []) this.sanitized.set(key, verdict);
    }
    this.allowed = spec.allowed && new Set(spec.allowed.map(normalizeKey));
    this.ignored = new Set(spec.ignored.map(normalizeKey));
  }

  /** The verdict for a map key; allow-list and ignore-list apply. */
  classify(key: string): KeyVerdict {
    let verdict = this.cache.get(key);
    if (verdict === undefined) {
      verdict = this.compute(key);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, verdict);
    }
    return verdict;
  }

  /**
   * The rule a key written in free text (`password=…`, `"token": …`) matches, or undefined. The
   * allow-list does not apply to text: it would make every `word:` in a message a secret.
   */
  blockedRule(key: string): string | undefined {
    let rule = this.textCache.get(key);
    if (rule === undefined) {
      const normalized = normalizeKey(key);
      rule = this.ignored.has(normalized) ? null : (this.matchBlocked(key) ?? null);
      if (this.textCache.size >= CACHE_LIMIT) this.textCache.clear();
      this.textCache.set(key, rule);
    }
    return rule ?? undefined;
  }

  /** The last word of every blocked name: what text must contain before a `key=value` scan is worth it. */
  triggerWords(): string[] {
    const words = new Set<string>();
    for (const name of this.blocked.values()) {
      const parts = splitKeyWords(name);
      const last = parts[parts.length - 1];
      if (last !== undefined) words.add(last);
    }
    return [...words];
  }

  /**
   * Most keys are ordinary and unique in a huge map (10,000 keys of a structured body), so the common
   * path allocates nothing: no normalized copy unless an ignore- or allow-list needs it, and no word
   * split unless the key ends with a blocked name.
   */
  private compute(key: string): KeyVerdict {
    const normalized = this.ignored.size > 0 || this.allowed !== undefined ? normalizeKey(key) : '';
    if (this.ignored.has(normalized)) return IGNORE;
    const notAllowed = this.allowed !== undefined && !this.allowed.has(normalized);
    // An address keeps its host: sanitized before the block rules (`db.connection_string` is one).
    if (!notAllowed && this.connectionStringKeys.match(key)) return CONNECTION_STRING_KEY;
    if (!notAllowed && this.urlKeys.match(key)) return URL_KEY;
    const rule = this.matchBlocked(key);
    if (rule !== undefined) return { type: 'redact', kind: rule };
    if (notAllowed) return { type: 'redact', kind: NOT_ALLOWED_KIND };
    return this.sanitized.get(key) ?? (this.cardKeys.match(key) ? SCAN_CARDS : SCAN);
  }

  /**
   * A key is blocked when its last words, joined, spell a blocked name: `db.password`, `x-api-key`.
   * The longest such name is the kind (`refresh_token` rather than `token`).
   */
  private matchBlocked(key: string): string | undefined {
    // Either way a rule matches, the key's letters and digits end with a blocked name.
    if (!this.endings.endKey(key)) return undefined;
    const words = splitKeyWords(key);
    let suffix = '';
    let rule: string | undefined;
    for (let i = words.length - 1; i >= 0; i--) {
      suffix = words[i] + suffix;
      rule = this.blocked.get(suffix) ?? rule;
    }
    const last = words[words.length - 1];
    if (rule === undefined && last !== undefined) {
      for (const ending of WORD_ENDINGS) if (last.endsWith(ending) && this.blocked.has(ending)) return this.blocked.get(ending);
    }
    return rule;
  }
}

/**
 * Names a key ends with, word for word (`payment.card` and `cardNo` end with `card` / `card_no`;
 * `discard` and `span` do not). Checked once per distinct key (classifications are cached).
 */
class KeyEndings {
  private readonly names: ReadonlySet<string>;
  private readonly endings = new BlockedEndings();

  constructor(names: readonly string[]) {
    this.names = new Set(names.map(normalizeKey));
    for (const name of this.names) this.endings.add(name);
  }

  match(key: string): boolean {
    if (!this.endings.endKey(key)) return false;
    const words = splitKeyWords(key);
    let suffix = '';
    for (let i = words.length - 1; i >= 0; i--) {
      suffix = words[i] + suffix;
      if (this.names.has(suffix)) return true;
    }
    return false;
  }
}

const NOT_ALPHANUMERIC = /[^A-Za-z0-9]+/g;

/**
 * `Client-Secret`, `client_secret`, `clientSecret` → `clientsecret`: the key's ASCII letters and
 * digits, lower-cased (what {@link splitKeyWords} keeps, joined).
 */
export function normalizeKey(key: string): string {
  return key.replace(NOT_ALPHANUMERIC, '').toLowerCase();
}

/**
 * The blocked names as a trie read backwards, to tell without allocating whether a key (its letters
 * and digits, lower-cased) ends with one of them — the condition of every block rule. Most keys fail
 * at their last character or two.
 */
class BlockedEndings {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly ends: boolean[] = [false];

  add(normalized: string): void {
    let node = 0;
    for (let i = normalized.length - 1; i >= 0; i--) {
      const c = normalized.charCodeAt(i);
      let next = this.children[node]!.get(c);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.ends.push(false);
        this.children[node]!.set(c, next);
      }
      node = next;
    }
    this.ends[node] = true;
  }

  /** True when the letters and digits of `key`, lower-cased, end with an added name. */
  endKey(key: string): boolean {
    if (this.ends[0]) return true;
    let node = 0;
    for (let i = key.length - 1; i >= 0; i--) {
      let c = key.charCodeAt(i);
      if (isUpper(c)) c += 32;
      else if (!isLower(c) && !isDigit(c)) continue;
      const next = this.children[node]!.get(c);
      if (next === undefined) return false;
      if (this.ends[next]) return true;
      node = next;
    }
    return false;
  }
}

/**
 * Splits a key into lower-case words at separators and camelCase humps: `x-API-Key` → x, api, key;
 * `refreshToken` → refresh, token; `APIKey` → api, key. Digits stay with their word (`oauth2`).
 */
export function splitKeyWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : 0;
    const alnum = isLower(c) || isUpper(c) || isDigit(c);
    if (!alnum) {
      if (start >= 0) words.push(key.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    const prev = key.charCodeAt(i - 1);
    const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
    // a hump: aB, or the last capital of an acronym before a lower-case word (APIKey → API|Key)
    if (isUpper(c) && (isLower(prev) || isDigit(prev) || (isUpper(prev) && isLower(next)))) {
      words.push(key.slice(start, i).toLowerCase());
      start = i;
    }
  }
  return words;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
