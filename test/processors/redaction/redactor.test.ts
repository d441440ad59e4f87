import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LogMap } from '../../../src/core/record.js';
import { map, redactorFor } from './redactor-for.js';

const HASH_KEY = 'test-hash-key-0123456789';

describe('Redactor', () => {
  it('walks structured bodies and nested attributes, maps and arrays alike', () => {
    const record = {
      body: map({ msg: 'login for jane@example.com', user: map({ name: 'jane', password: 'hunter2', cards: ['4111 1111 1111 1111', 'none'] }) }),
      attributes: map({ 'http.request.header': map({ authorization: 'Bearer abc.def', accept: 'text/html' }), 'exception.message': 'bad request password=hunter2', 'exception.stacktrace': 'Error: token=abc123\n    at x (a.js:1:1)' }),
    };
    const summary = redactorFor().redactRecord(record);
    expect(JSON.parse(JSON.stringify(record))).toEqual({
      body: { msg: 'login for [REDACTED:email]', user: { name: 'jane', password: '[REDACTED:password]', cards: ['[REDACTED:card]', 'none'] } },
      attributes: {
        'http.request.header': { authorization: '[REDACTED:authorization]', accept: 'text/html' },
        'exception.message': 'bad request password=[REDACTED:password]',
        'exception.stacktrace': 'Error: token=[REDACTED:token]\n    at x (a.js:1:1)',
      },
    });
    expect(summary?.count).toBe(6);
    expect({ ...summary?.kinds }).toEqual({ email: 1, password: 2, card: 1, authorization: 1, token: 1 });
  });

  it('returns no summary and changes nothing when there is nothing to redact', () => {
    const record = { body: 'order 100123 checked out', attributes: map({ 'http.route': '/api/orders/:id', 'order.total': 129.95 }) };
    expect(redactorFor().redactRecord(record)).toBeUndefined();
    expect(record.body).toBe('order 100123 checked out');
  });

  it('redacts the whole value of a blocked key, whatever its type, and leaves empty values alone', () => {
    const attributes: LogMap = map({ cvv: 123, credentials: map({ user: 'u', pass: 'p' }), password: '', token: null });
    redactorFor().redactRecord({ attributes });
    expect({ ...attributes }).toEqual({ cvv: '[REDACTED:cvv]', credentials: '[REDACTED:credentials]', password: '', token: null });
  });

  it('finds card numbers logged as numbers under a card key, and leaves integers under other keys alone', () => {
    const attributes: LogMap = map({
      pan: 4111111111111111,
      'payment.card': 4111111111111111n,
      cards: map({ cardNo: [4111111111111111] }),
      'order.id': 4111111111111111,
      big: 4111111111111111n,
      count: 1732262400000,
      note: 'card 4111 1111 1111 1111',
    });
    redactorFor().redactRecord({ attributes });
    expect({ ...attributes }).toEqual({
      pan: '[REDACTED:card]',
      'payment.card': '[REDACTED:card]',
      cards: { cardNo: ['[REDACTED:card]'] },
      'order.id': 4111111111111111,
      big: 4111111111111111n,
      count: 1732262400000,
      note: 'card [REDACTED:card]',
    });
  });

  it('redacts at most 0.1% of 100,000 random 64-bit integer ids, and keeps their type', () => {
    const redactor = redactorFor();
    let redacted = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = BigInt.asIntN(64, randomBytes(8).readBigUInt64LE());
      const attributes: LogMap = map({ 'order.id': id, 'user.id': Number(id & 0xf_ffff_ffff_ffffn), id, 'span.count': id });
      redactor.redactRecord({ attributes });
      if (attributes['order.id'] !== id || attributes['id'] !== id || attributes['span.count'] !== id || typeof attributes['user.id'] !== 'number') redacted++;
    }
    expect(redacted).toBeLessThanOrEqual(100);
  });

  it('sanitizes a connection string or URL under an address key: credentials out, host kept', () => {
    const attributes: LogMap = map({
      'db.connection_string': 'redis://user:pw@orders-primary:6379/0',
      'cache.url': 'https://bob:s3cret@cache.internal/x?token=abc&v=1',
      'db.dsn': 'postgres://app:S3cr3t@db.internal:5432/shop',
      'service.uri': 'https://api.example.com/v1',
      'legacy.connection_string': 'Server=tcp:sql.acme.io;User ID=app;Password=pw123;',
    });
    redactorFor().redactRecord({ attributes });
    expect({ ...attributes }).toEqual({
      'db.connection_string': 'redis://user:[REDACTED:url_credentials]@orders-primary:6379/0',
      'cache.url': 'https://bob:[REDACTED:url_credentials]@cache.internal/x?token=[REDACTED:token]&v=1',
      'db.dsn': 'postgres://app:[REDACTED:url_credentials]@db.internal:5432/shop',
      'service.uri': 'https://api.example.com/v1',
      'legacy.connection_string': '[REDACTED:connection_string]',
    });
  });

  it('does not redact the event name', () => {
    const record = { eventName: 'password=hunter2', body: 'x', attributes: map({}) };
    redactorFor().redactRecord(record);
    expect(record.eventName).toBe('password=hunter2');
  });

  it('can keep the last 4 digits of a card', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_ACTIONS: 'card=mask_last4' });
    expect(redactor.redactValue('card 4111 1111 1111 1111 ok')).toBe('card [REDACTED:card:1111] ok');
  });

  it('hashes with HMAC-SHA256: equal values give equal tokens, other keys give other tokens', () => {
    const a = redactorFor({ OTEL_LOGKIT_REDACT_ACTIONS: 'email=hash', OTEL_LOGKIT_REDACT_HASH_KEY: HASH_KEY });
    const b = redactorFor({ OTEL_LOGKIT_REDACT_ACTIONS: 'email=hash', OTEL_LOGKIT_REDACT_HASH_KEY: `${HASH_KEY}-other` });
    const first = a.redactValue('from bob@example.com') as string;
    const again = a.redactValue('to bob@example.com') as string;
    const other = a.redactValue('from eve@example.com') as string;
    expect(first).toMatch(/^from \[HASH:email:[0-9a-f]{32}\]$/);
    expect(again.slice(3)).toBe(first.slice(5));
    expect(other).not.toBe(first);
    expect(b.redactValue('from bob@example.com')).not.toBe(first);
    expect(first).not.toContain('bob');
  });

  it('hashes whole values of blocked keys too, with the default action', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_ACTION: 'hash', OTEL_LOGKIT_REDACT_HASH_KEY: HASH_KEY });
    const one: LogMap = map({ user_id: 'u1', api_key: 'k-123' });
    const two: LogMap = map({ api_key: 'k-123' });
    redactor.redactRecord({ attributes: one });
    redactor.redactRecord({ attributes: two });
    expect(one.api_key).toMatch(/^\[HASH:api_key:[0-9a-f]{32}\]$/);
    expect(two.api_key).toBe(one.api_key);
  });

  it('removes attributes whose rule says remove; in a body or array the secret is masked instead', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_ACTIONS: 'password=remove,email=remove' });
    const record = { body: 'mail bob@example.com', attributes: map({ password: 'x1', contact: 'bob@example.com', list: ['bob@example.com'], keep: 'y' }) };
    const summary = redactor.redactRecord(record);
    expect(record.body).toBe('mail [REDACTED:email]');
    expect({ ...record.attributes }).toEqual({ list: ['[REDACTED:email]'], keep: 'y' });
    expect(summary?.count).toBe(4);
  });

  it('in allow-list mode keeps only listed keys, and still scans their values', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_ALLOWED_KEYS: 'http.route,order.id,user' , OTEL_LOGKIT_REDACT_ACTIONS: 'not_allowed=remove' });
    const attributes: LogMap = map({ 'http.route': '/orders/:id', orderId: 'ord_1 by bob@example.com', 'user.agent': 'curl', user: map({ id: 7 }) });
    const summary = redactor.redactRecord({ attributes });
    expect(JSON.parse(JSON.stringify(attributes))).toEqual({ 'http.route': '/orders/:id', orderId: 'ord_1 by [REDACTED:email]', user: {} });
    expect({ ...summary?.kinds }).toEqual({ email: 1, not_allowed: 2 });
  });

  it('never touches ignored keys', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_IGNORED_KEYS: 'csrf_token,debug.raw' });
    const attributes: LogMap = map({ csrfToken: 'abc', 'debug.raw': 'password=hunter2', token: 'abc' });
    redactor.redactRecord({ attributes });
    expect({ ...attributes }).toEqual({ csrfToken: 'abc', 'debug.raw': 'password=hunter2', token: '[REDACTED:token]' });
  });

  it('extends and trims the key block list from the environment', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_KEYS: 'session_id,-cookie' });
    const attributes: LogMap = map({ sessionId: 's-1', cookie: 'theme=dark' });
    redactor.redactRecord({ attributes });
    expect({ ...attributes }).toEqual({ sessionId: '[REDACTED:session_id]', cookie: 'theme=dark' });
  });

  it('replaces an own __proto__ key of a parsed JSON object rather than leaving it', () => {
    const value = JSON.parse('{"__proto__":"password=hunter2"}') as LogMap;
    redactorFor().redactValue(value);
    expect(JSON.stringify(value)).toBe('{"__proto__":"password=[REDACTED:password]"}');
  });

  it('redacts values nested deeper than it walks as a whole', () => {
    let deep: unknown = 'password=hunter2';
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(JSON.stringify(redactorFor().redactValue(deep as never))).not.toContain('hunter2');
  });
});
