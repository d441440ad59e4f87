import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { HashKey, REDACTION_ACTIONS, type RedactionAction } from './actions.js';
import { unsafePatternReason } from './detectors/custom-pattern.js';
import { DEFAULT_DETECTORS, DETECTOR_NAMES } from './detectors/index.js';
import { DEFAULT_BLOCKED_KEYS, normalizeKey, NOT_ALLOWED_KIND } from './key-rules.js';
import { URL_CREDENTIALS_KIND, URL_PARAMETER_KIND } from './sanitizers/url.js';

/** Options given in code; each overrides the environment variable it names. */
export interface RedactionOptions {
  /** `OTEL_LOGKIT_REDACT_ENABLED` (default true). */
  enabled?: boolean;
  /** `OTEL_LOGKIT_REDACT_KEYS`: key names added to the block list; `-name` takes a default one out. */
  keys?: string[];
  /** `OTEL_LOGKIT_REDACT_ALLOWED_KEYS`: allow-list mode — only these keys keep their values. */
  allowedKeys?: string[];
  /** `OTEL_LOGKIT_REDACT_IGNORED_KEYS`: keys whose values are never touched. */
  ignoredKeys?: string[];
  /** `OTEL_LOGKIT_REDACT_DETECTORS`: `name` turns a detector on (e.g. `phone`), `-name` off (e.g. `-email`). */
  detectors?: string[];
  /** `OTEL_LOGKIT_REDACT_PATTERNS`: custom detectors, kind → regex; a capture group limits what is replaced. */
  patterns?: Record<string, string | RegExp>;
  /** `OTEL_LOGKIT_REDACT_ACTION`: the action of every kind not named in `actions` (default `mask`). */
  action?: RedactionAction;
  /** `OTEL_LOGKIT_REDACT_ACTIONS`: kind → action, e.g. `{ card: 'mask_last4', email: 'hash', password: 'remove' }`. */
  actions?: Record<string, RedactionAction>;
  /** `OTEL_LOGKIT_REDACT_HASH_KEY`: the HMAC key of the `hash` action (at least 16 bytes). */
  hashKey?: string | Buffer;
  /** `OTEL_LOGKIT_REDACT_SUMMARY`: add `redaction.count` and `redaction.kinds` to touched records (default true). */
  summary?: boolean;
  /**
   * `OTEL_LOGKIT_REDACT_URL_ATTRIBUTES`: attributes holding a URL, which lose userinfo and credential-like
   * query parameters (default `url.full, http.url, url.original, http.target, url.query`; `[]` for none).
   */
  urlAttributes?: string[];
  /**
   * `OTEL_LOGKIT_REDACT_DB_ATTRIBUTES`: attributes holding a database statement, which lose their literal
   * values (default `db.query.text, db.statement`; `[]` for none).
   */
  dbAttributes?: string[];
}

/** The validated redaction settings. */
export interface RedactionConfig {
  enabled: boolean;
  /** The key block list (rule names as written; matched case- and separator-insensitively). */
  blockedKeys: string[];
  /** Allow-list mode when defined. */
  allowedKeys: string[] | undefined;
  ignoredKeys: string[];
  /** Built-in detectors that are on. */
  detectors: string[];
  patterns: { name: string; pattern: RegExp }[];
  defaultAction: RedactionAction;
  /** Per-kind actions, keyed by the kind as reported (`card`, `api_key`, a pattern's name …). */
  actions: Record<string, RedactionAction>;
  hashKey: HashKey | undefined;
  summary: boolean;
  /** Attribute names whose values the URL and database-statement sanitizers rewrite. */
  sanitized: { url: string[]; db: string[] };
}

/** The URL attributes of the OTel semantic conventions, current and deprecated. */
export const DEFAULT_URL_ATTRIBUTES: readonly string[] = ['url.full', 'http.url', 'url.original', 'http.target', 'url.query'];
/** The database-statement attributes of the OTel semantic conventions, current and deprecated. */
export const DEFAULT_DB_ATTRIBUTES: readonly string[] = ['db.query.text', 'db.statement'];
/** Kinds the sanitizers report, besides key-rule names. */
export const SANITIZER_KINDS: readonly string[] = [URL_CREDENTIALS_KIND, URL_PARAMETER_KIND];

const MIN_HASH_KEY_BYTES = 16;

/**
 * Reads the redaction settings. Everything a rule needs is checked here, at startup: unknown detector
 * or kind names, unsafe or invalid custom patterns, and `hash` without a key are configuration errors.
 */
export function parseRedactionConfig(read: SettingsReader, options: RedactionOptions = {}): RedactionConfig {
  const enabled = read.bool('OTEL_LOGKIT_REDACT_ENABLED', true, options.enabled);
  const blockedKeys = adjust('OTEL_LOGKIT_REDACT_KEYS', read.list('OTEL_LOGKIT_REDACT_KEYS', [], options.keys), DEFAULT_BLOCKED_KEYS, options.keys !== undefined, 'key names, or -name to take a default key name out');
  const allowedKeys = options.allowedKeys ?? (read.raw('OTEL_LOGKIT_REDACT_ALLOWED_KEYS') === undefined ? undefined : read.list('OTEL_LOGKIT_REDACT_ALLOWED_KEYS'));
  const ignoredKeys = read.list('OTEL_LOGKIT_REDACT_IGNORED_KEYS', [], options.ignoredKeys);
  const detectors = adjust(
    'OTEL_LOGKIT_REDACT_DETECTORS',
    read.list('OTEL_LOGKIT_REDACT_DETECTORS', [], options.detectors),
    DEFAULT_DETECTORS,
    options.detectors !== undefined,
    `a comma-separated list of detector names (${DETECTOR_NAMES.join(', ')}), each optionally prefixed with - to turn it off`,
    DETECTOR_NAMES,
  );
  const patterns = parsePatterns(read, options.patterns);
  const defaultAction = read.oneOf('OTEL_LOGKIT_REDACT_ACTION', REDACTION_ACTIONS, 'mask', options.action);
  const kinds = knownKinds(blockedKeys, patterns.map((p) => p.name));
  const actions = parseActions(read, options.actions, kinds);
  const hashSetting = read.first('OTEL_LOGKIT_REDACT_HASH_KEY');
  const hashKey = options.hashKey !== undefined ? new HashKey(options.hashKey) : hashSetting && new HashKey(hashSetting.value);
  if (hashKey && hashKey.length < MIN_HASH_KEY_BYTES) {
    throw new ConfigError(options.hashKey !== undefined ? 'option overriding OTEL_LOGKIT_REDACT_HASH_KEY' : 'OTEL_LOGKIT_REDACT_HASH_KEY', 'x', `a secret of at least ${MIN_HASH_KEY_BYTES} bytes`);
  }
  if (!hashKey && enabled) {
    const asking = defaultAction === 'hash' ? 'OTEL_LOGKIT_REDACT_ACTION' : Object.values(actions).includes('hash') ? 'OTEL_LOGKIT_REDACT_ACTIONS' : undefined;
    if (asking) throw new ConfigError('OTEL_LOGKIT_REDACT_HASH_KEY', '', `a secret of at least ${MIN_HASH_KEY_BYTES} bytes, because ${asking} asks for the hash action`);
  }
  return {
    enabled,
    blockedKeys,
    allowedKeys,
    ignoredKeys,
    detectors,
    patterns,
    defaultAction,
    actions,
    hashKey,
    summary: read.bool('OTEL_LOGKIT_REDACT_SUMMARY', true, options.summary),
    sanitized: {
      url: attributeList(read, 'OTEL_LOGKIT_REDACT_URL_ATTRIBUTES', DEFAULT_URL_ATTRIBUTES, options.urlAttributes),
      db: attributeList(read, 'OTEL_LOGKIT_REDACT_DB_ATTRIBUTES', DEFAULT_DB_ATTRIBUTES, options.dbAttributes),
    },
  };
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_][\w.\-/]{0,255}$/;

/** A list of attribute names, or `none`; the names are matched exactly, as the SDK writes them. */
function attributeList(read: SettingsReader, variable: string, defaults: readonly string[], option: string[] | undefined): string[] {
  const setting = option !== undefined ? `option overriding ${variable}` : variable;
  const given = read.list(variable, defaults, option);
  if (given.length === 1 && given[0]!.toLowerCase() === 'none') return [];
  for (const name of given) {
    if (!ATTRIBUTE_NAME.test(name)) throw new ConfigError(setting, given.join(','), 'a comma-separated list of attribute names (letters, digits, _ . - /), or none');
  }
  return given;
}

/**
 * Applies a list of `name` / `-name` entries to the defaults. Names are compared like keys
 * (`API-Key` = `api_key`); with `known`, a name outside it is an error, and so is taking out a name
 * that is not in the defaults (a typo would otherwise silently keep it on).
 */
function adjust(variable: string, entries: string[], defaults: readonly string[], fromOption: boolean, form: string, known?: readonly string[]): string[] {
  const setting = fromOption ? `option overriding ${variable}` : variable;
  const out = [...defaults];
  for (const entry of entries) {
    const remove = entry.startsWith('-');
    const name = remove ? entry.slice(1).trim() : entry;
    const canonical = known ? known.find((k) => normalizeKey(k) === normalizeKey(name)) : name;
    if (canonical === undefined || normalizeKey(name) === '') throw new ConfigError(setting, entries.join(','), form);
    const at = out.findIndex((k) => normalizeKey(k) === normalizeKey(canonical));
    if (remove) {
      if (at < 0) throw new ConfigError(setting, entries.join(','), `${form}; ${name} is not on by default`);
      out.splice(at, 1);
    } else if (at < 0) out.push(canonical);
  }
  return out;
}

const PATTERN_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function parsePatterns(read: SettingsReader, option: Record<string, string | RegExp> | undefined): { name: string; pattern: RegExp }[] {
  const setting = option !== undefined ? 'option overriding OTEL_LOGKIT_REDACT_PATTERNS' : 'OTEL_LOGKIT_REDACT_PATTERNS';
  const source: Record<string, string | RegExp> = option ?? read.keyValues('OTEL_LOGKIT_REDACT_PATTERNS');
  const out: { name: string; pattern: RegExp }[] = [];
  for (const [name, given] of Object.entries(source)) {
    const shown = `${name}=${String(given)}`;
    if (!PATTERN_NAME.test(name) || DETECTOR_NAMES.includes(name)) {
      throw new ConfigError(setting, shown, `a kind name of lower-case letters, digits and _ that is not a built-in detector name (${DETECTOR_NAMES.join(', ')})`);
    }
    let pattern: RegExp;
    try {
      pattern = typeof given === 'string' ? new RegExp(given) : given;
    } catch (cause) {
      throw new ConfigError(setting, shown, 'name=regex pairs, the regex in JavaScript syntax and percent-encoded (a comma is %2C)', { cause });
    }
    if (pattern.source === '(?:)') throw new ConfigError(setting, shown, 'a regex that cannot match the empty string');
    const unsafe = unsafePatternReason(pattern.source);
    if (unsafe) throw new ConfigError(setting, shown, `a regex without ${unsafe} (it can take exponential time on a hostile log line)`);
    out.push({ name, pattern });
  }
  return out;
}

/** Every kind a rule can report, by normalized name → the kind as reported. */
function knownKinds(blockedKeys: readonly string[], patternNames: readonly string[]): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const kind of [...DETECTOR_NAMES, ...blockedKeys, ...patternNames, NOT_ALLOWED_KIND, ...SANITIZER_KINDS]) kinds.set(normalizeKey(kind), kind);
  return kinds;
}

function parseActions(read: SettingsReader, option: Record<string, RedactionAction> | undefined, kinds: Map<string, string>): Record<string, RedactionAction> {
  const setting = option !== undefined ? 'option overriding OTEL_LOGKIT_REDACT_ACTIONS' : 'OTEL_LOGKIT_REDACT_ACTIONS';
  const given: Record<string, string> = option ?? read.keyValues('OTEL_LOGKIT_REDACT_ACTIONS');
  const out: Record<string, RedactionAction> = Object.create(null);
  for (const [name, action] of Object.entries(given)) {
    const kind = kinds.get(normalizeKey(name));
    const lower = action.toLowerCase() as RedactionAction;
    if (kind === undefined || !REDACTION_ACTIONS.includes(lower)) {
      throw new ConfigError(setting, `${name}=${action}`, `kind=action pairs; kinds: ${[...kinds.values()].join(', ')}; actions: ${REDACTION_ACTIONS.join(', ')}`);
    }
    out[kind] = lower;
  }
  return out;
}
