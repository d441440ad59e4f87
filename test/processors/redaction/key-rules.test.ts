import { describe, expect, it } from 'vitest';
import { DEFAULT_BLOCKED_KEYS, KeyRules, normalizeKey, splitKeyWords } from '../../../processors/redaction/key-rules.js';

const rules = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: [] });
const kindOf = (key: string) => {
  const verdict = rules.classify(key);
  return verdict.type === 'redact' ? verdict.kind : verdict.type;
};

describe('key rules', () => {
  it('match the default block list case- and separator-insensitively', () => {
    expect(kindOf('password')).toBe('password');
    expect(kindOf('PASSWORD')).toBe('password');
    expect(kindOf('clientSecret')).toBe('client_secret');
    expect(kindOf('Client-Secret')).toBe('client_secret');
    expect(kindOf('APIKey')).toBe('api_key');
    expect(kindOf('apikey')).toBe('api_key');
    expect(kindOf('x-api-key')).toBe('api_key');
    expect(kindOf('Set-Cookie')).toBe('set_cookie');
    expect(kindOf('card_number')).toBe('card_number');
    expect(kindOf('creditCard')).toBe('credit_card');
  });

  it('match a blocked name at the end of a namespaced key', () => {
    expect(kindOf('db.password')).toBe('password');
    expect(kindOf('http.request.header.authorization')).toBe('authorization');
    expect(kindOf('user.refreshToken')).toBe('refresh_token');
    expect(kindOf('AWS_SECRET_ACCESS_KEY')).toBe('secret_access_key');
  });

  it('leave keys that only contain a blocked word alone', () => {
    for (const key of ['token_count', 'gen_ai.usage.input_tokens', 'max_tokens', 'password_reset_requested', 'passwordless', 'secretary', 'keyboard.layout', 'session.id', 'http.route']) {
      expect(kindOf(key), key).toBe('scan');
    }
  });

  it('never touch ignored keys, even blocked ones', () => {
    const custom = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: ['csrf_token'] });
    expect(custom.classify('csrfToken')).toEqual({ type: 'ignore' });
    expect(custom.classify('access_token')).toEqual({ type: 'redact', kind: 'access_token' });
  });

  it('in allow-list mode, redact every key that is not listed', () => {
    const allow = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, allowed: ['http.route', 'order.id'], ignored: [] });
    expect(allow.classify('http_route')).toEqual({ type: 'scan' });
    expect(allow.classify('orderId')).toEqual({ type: 'scan' });
    expect(allow.classify('user.name')).toEqual({ type: 'redact', kind: 'not_allowed' });
    // a blocked key stays blocked even if listed
    expect(new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, allowed: ['password'], ignored: [] }).classify('password')).toEqual({ type: 'redact', kind: 'password' });
  });

  it('split keys into words at separators and camelCase humps', () => {
    expect(splitKeyWords('x-API-Key')).toEqual(['x', 'api', 'key']);
    expect(splitKeyWords('refreshToken')).toEqual(['refresh', 'token']);
    expect(splitKeyWords('APIKey')).toEqual(['api', 'key']);
    expect(splitKeyWords('oauth2_token')).toEqual(['oauth2', 'token']);
    expect(normalizeKey('Client-Secret')).toBe(normalizeKey('client_secret'));
  });

  it('match however the key ends: one word ending with a distinctive name, trailing separators, digits', () => {
    expect(kindOf('PGPASSWORD')).toBe('password');
    expect(kindOf('appSecret')).toBe('secret');
    expect(kindOf('db.password_')).toBe('password');
    expect(kindOf('héllo.Password')).toBe('password');
    expect(kindOf('oauth2_token')).toBe('token');
    for (const key of ['key0', 'field_99999', 'user.name', 'sigma', 'config', 'Ünïcode-Kéy', '', '__proto__']) expect(kindOf(key), key).toBe('scan');
  });

  it('keep the verdicts of earlier keys after a map of 10,000 unique keys', () => {
    const fresh = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: ['csrf_token'] });
    for (let k = 0; k < 10_000; k++) fresh.classify(`field${k}`);
    expect(fresh.classify('x-api-key')).toEqual({ type: 'redact', kind: 'api_key' });
    expect(fresh.classify('csrfToken')).toEqual({ type: 'ignore' });
  });

  it('normalize a key to its ASCII letters and digits, as the word split keeps them', () => {
    for (const key of ['Client-Secret', 'x-API-Key', 'Ünïcode-Kéy_2', 'a..b', '__proto__', '']) expect(normalizeKey(key), key).toBe(splitKeyWords(key).join(''));
  });
});
