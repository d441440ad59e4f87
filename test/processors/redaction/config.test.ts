import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { SettingsReader } from '../../../src/core/env.js';
import { parseRedactionConfig } from '../../../processors/redaction/config.js';
import { resolveConfig } from '../../../src/config.js';

const parse = (env: Record<string, string>, options = {}) => parseRedactionConfig(new SettingsReader(env), options);
const failure = (env: Record<string, string>, options = {}): ConfigError => {
  try {
    parse(env, options);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('redaction configuration', () => {
  it('defaults: on, default keys and detectors, mask, summary', () => {
    const config = parse({});
    expect(config.enabled).toBe(true);
    expect(config.detectors).toContain('card');
    expect(config.detectors).not.toContain('phone');
    expect(config.blockedKeys).toContain('password');
    expect(config.allowedKeys).toBeUndefined();
    expect(config.defaultAction).toBe('mask');
    expect(config.summary).toBe(true);
  });

  it('refuses hash without a key at startup, naming the variable', () => {
    const error = failure({ OTEL_LOGKIT_REDACT_ACTIONS: 'email=hash' });
    expect(error.code).toBe('LOGKIT_CONFIG_INVALID');
    expect(error.setting).toBe('OTEL_LOGKIT_REDACT_HASH_KEY');
    expect(error.message).toContain('OTEL_LOGKIT_REDACT_ACTIONS asks for the hash action');
    expect(failure({ OTEL_LOGKIT_REDACT_ACTION: 'hash' }).setting).toBe('OTEL_LOGKIT_REDACT_HASH_KEY');
  });

  it('refuses a short hash key and never shows it', () => {
    const error = failure({ OTEL_LOGKIT_REDACT_HASH_KEY: 'short', OTEL_LOGKIT_REDACT_ACTION: 'hash' });
    expect(error.setting).toBe('OTEL_LOGKIT_REDACT_HASH_KEY');
    expect(error.message).not.toContain('short');
  });

  it('keeps the hash key out of printed and serialised configuration', () => {
    const config = parse({ OTEL_LOGKIT_REDACT_HASH_KEY: 'a-very-secret-hash-key', OTEL_LOGKIT_REDACT_ACTION: 'hash' });
    expect(JSON.stringify(config)).not.toContain('a-very-secret');
  });

  it('refuses unknown detector names and taking out a detector that is not on', () => {
    expect(failure({ OTEL_LOGKIT_REDACT_DETECTORS: 'phone,credit' }).message).toMatch(/^OTEL_LOGKIT_REDACT_DETECTORS=phone,credit: expected .*card, aws_secret_access_key, private_key/);
    expect(failure({ OTEL_LOGKIT_REDACT_DETECTORS: '-phone' }).message).toContain('phone is not on by default');
    expect(parse({ OTEL_LOGKIT_REDACT_DETECTORS: 'phone,-email' }).detectors).toEqual(expect.arrayContaining(['phone', 'card']));
    expect(parse({ OTEL_LOGKIT_REDACT_DETECTORS: 'phone,-email' }).detectors).not.toContain('email');
  });

  it('refuses unknown kinds and actions', () => {
    const error = failure({ OTEL_LOGKIT_REDACT_ACTIONS: 'cards=mask' });
    expect(error.setting).toBe('OTEL_LOGKIT_REDACT_ACTIONS');
    expect(error.expected).toContain('actions: mask, mask_last4, hash, remove');
    expect(failure({ OTEL_LOGKIT_REDACT_ACTIONS: 'card=shred' }).setting).toBe('OTEL_LOGKIT_REDACT_ACTIONS');
    expect(failure({ OTEL_LOGKIT_REDACT_ACTION: 'shred' }).message).toBe('OTEL_LOGKIT_REDACT_ACTION=shred: expected one of mask, mask_last4, hash, remove');
  });

  it('refuses invalid and catastrophic custom patterns', () => {
    expect(failure({ OTEL_LOGKIT_REDACT_PATTERNS: 'x=(' }).expected).toContain('JavaScript syntax');
    expect(failure({ OTEL_LOGKIT_REDACT_PATTERNS: 'x=(a%2B)%2B' }).expected).toContain('quantified group containing a quantifier');
    expect(failure({ OTEL_LOGKIT_REDACT_PATTERNS: 'x=(\\w%2B\\s?)*$' }).expected).toContain('quantified group');
    expect(failure({ OTEL_LOGKIT_REDACT_PATTERNS: 'x=(a)\\1' }).expected).toContain('backreferences');
    expect(failure({ OTEL_LOGKIT_REDACT_PATTERNS: 'card=\\d%2B' }).expected).toContain('not a built-in detector name');
    expect(parse({ OTEL_LOGKIT_REDACT_PATTERNS: 'emp=EMP-\\d{6},ord=(?:ORD-[A-Z]{2}\\d{4})' }).patterns.map((p) => p.name)).toEqual(['emp', 'ord']);
  });

  it('lets options given in code override the environment', () => {
    const config = parse({ OTEL_LOGKIT_REDACT_DETECTORS: 'phone' }, { detectors: ['iban'], allowedKeys: ['a'], action: 'remove' });
    expect(config.detectors).toContain('iban');
    expect(config.detectors).not.toContain('phone');
    expect(config.allowedKeys).toEqual(['a']);
    expect(config.defaultAction).toBe('remove');
  });

  it('is part of the pipeline configuration, so a bad value fails createLogPipeline at startup', () => {
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_REDACT_SUMMARY: 'maybe' } })).toThrow('OTEL_LOGKIT_REDACT_SUMMARY=maybe: expected true or false');
  });
});
