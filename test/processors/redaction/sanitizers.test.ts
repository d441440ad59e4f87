import { describe, expect, it } from 'vitest';
import { sanitizeDbStatement } from '../../../processors/redaction/sanitizers/db-statement.js';
import { map, redactorFor } from './redactor-for.js';

const redactor = redactorFor();
const attributes = (entries: Record<string, unknown>) => {
  const record = { attributes: map(entries) };
  const summary = redactor.redactRecord(record);
  return { attributes: record.attributes as Record<string, unknown>, kinds: summary?.kinds ?? {} };
};

describe('URL sanitizer (on by default for url.full, http.url, url.original, http.target, url.query)', () => {
  it('keeps the URL and replaces signed-URL signatures and credentials, userinfo passwords', () => {
    const { attributes: out, kinds } = attributes({
      'url.full': 'https://bob:hunter2@bucket.s3.amazonaws.com/k.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Signature=0123abcd&page=2',
    });
    expect(out['url.full']).toBe(
      'https://bob:[REDACTED:url_credentials]@bucket.s3.amazonaws.com/k.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED:credential]&X-Amz-Date=20260101T000000Z&X-Amz-Signature=[REDACTED:signature]&page=2',
    );
    expect(kinds).toMatchObject({ url_credentials: 1, credential: 1, signature: 1 });
  });

  it('treats a lone userinfo as a credential, and sanitizes paths with queries and bare query strings', () => {
    const { attributes: out } = attributes({
      'http.url': 'https://x-oauth-basic@github.com/acme/app.git',
      'http.target': '/oauth/callback?code=4/0AbCdEf&state=xyz',
      'url.query': 'sv=2022-11-02&sig=abc%2Bdef%3D&se=2026-01-01',
      'url.original': 'https://storage.googleapis.com/b/o?X-Goog-Signature=00ff&X-Goog-Date=20260101#access_token=abc123',
    });
    expect(out['http.url']).toBe('https://[REDACTED:url_credentials]@github.com/acme/app.git');
    expect(out['http.target']).toBe('/oauth/callback?code=[REDACTED:url_parameter]&state=xyz');
    expect(out['url.query']).toBe('sv=2022-11-02&sig=[REDACTED:sig]&se=2026-01-01');
    expect(out['url.original']).toBe('https://storage.googleapis.com/b/o?X-Goog-Signature=[REDACTED:signature]&X-Goog-Date=20260101#access_token=[REDACTED:access_token]');
  });

  it('leaves URLs without credentials untouched, and other attributes to the detectors only', () => {
    const { attributes: out, kinds } = attributes({ 'url.full': 'https://api.example.com/v1/items?page=2&sort=asc', 'http.route': '/cb?code=abc' });
    expect(out).toEqual({ 'url.full': 'https://api.example.com/v1/items?page=2&sort=asc', 'http.route': '/cb?code=abc' });
    expect(kinds).toEqual({});
  });
});

describe('database-statement sanitizer (on by default for db.query.text, db.statement)', () => {
  it('replaces SQL literals and keeps the statement shape, identifiers and bind parameters', () => {
    const { attributes: out, kinds } = attributes({
      'db.system.name': 'postgresql',
      'db.query.text': `SELECT * FROM "users" u1 WHERE u1.email = 'bob@example.com' AND age > 30 AND id = $1 AND x IN (1, 2.5) AND s = E'it''s' -- by id`,
    });
    expect(out['db.query.text']).toBe('SELECT * FROM "users" u1 WHERE u1.email = ? AND age > ? AND id = $1 AND x IN (?, ?) AND s = ? -- by id');
    expect(kinds).toEqual({ db_statement: 1 });
  });

  it('treats double quotes as strings in MySQL, and keeps Redis commands and keys', () => {
    expect(attributes({ 'db.system': 'mysql', 'db.statement': 'UPDATE t SET pw = "hunter2", n = 0x1F WHERE id = ?' }).attributes['db.statement']).toBe('UPDATE t SET pw = ?, n = ? WHERE id = ?');
    expect(attributes({ 'db.system.name': 'redis', 'db.query.text': 'SET session:42 "s3cret value" EX 3600' }).attributes['db.query.text']).toBe('SET session:42 ? ? ?');
    expect(sanitizeDbStatement('AUTH default hunter2')).toBe('AUTH ? ?');
    expect(sanitizeDbStatement('CONFIG SET requirepass hunter2', 'redis')).toBe('CONFIG SET ? ?');
    expect(sanitizeDbStatement('MSET a 1 b 2', 'redis')).toBe('MSET a ? b ?');
    expect(sanitizeDbStatement('DEL a b c', 'redis')).toBe('DEL a b c');
  });

  it('replaces MongoDB values and keeps keys, operators and the collection', () => {
    const statement = '{"find":"orders","filter":{"email":"bob@example.com","total":{"$gt":100},"_id":ObjectId("65a1f0c2")}}';
    expect(sanitizeDbStatement(statement, 'mongodb')).toBe('{"find":"orders","filter":{"email":"?","total":{"$gt":?},"_id":ObjectId("?")}}');
    expect(sanitizeDbStatement("db.users.find({email: 'bob@example.com', age: 30})", 'mongodb')).toBe("db.users.find({email: '?', age: ?})");
  });

  it('leaves statements that only have bind parameters as they are', () => {
    const text = 'SELECT a FROM t WHERE b = ? AND c = :name AND d = @p1';
    expect(sanitizeDbStatement(text)).toBe(text);
  });
});

describe('sanitizer configuration', () => {
  it('can be turned off or pointed at other attributes', () => {
    const off = redactorFor({ OTEL_LOGKIT_REDACT_URL_ATTRIBUTES: 'none', OTEL_LOGKIT_REDACT_DB_ATTRIBUTES: 'none' });
    const record = { attributes: map({ 'url.full': 'https://h/p?code=abc', 'db.statement': "SELECT 'a'" }) };
    off.redactRecord(record);
    expect(record.attributes).toEqual({ 'url.full': 'https://h/p?code=abc', 'db.statement': "SELECT 'a'" });
    const custom = redactorFor({ OTEL_LOGKIT_REDACT_URL_ATTRIBUTES: 'app.callback', OTEL_LOGKIT_REDACT_DB_ATTRIBUTES: 'app.sql' });
    const other = { attributes: map({ 'app.callback': 'https://h/p?code=abc', 'app.sql': "SELECT 'a'" }) };
    custom.redactRecord(other);
    expect(other.attributes).toEqual({ 'app.callback': 'https://h/p?code=[REDACTED:url_parameter]', 'app.sql': 'SELECT ?' });
  });

  it('refuses a malformed attribute list at startup, naming the variable', () => {
    expect(() => redactorFor({ OTEL_LOGKIT_REDACT_DB_ATTRIBUTES: 'db.statement,bad name!' })).toThrow(
      'OTEL_LOGKIT_REDACT_DB_ATTRIBUTES=db.statement,bad name!: expected a comma-separated list of attribute names (letters, digits, _ . - /), or none',
    );
  });

  it('accepts the sanitizer kinds in OTEL_LOGKIT_REDACT_ACTIONS', () => {
    const hashing = redactorFor({ OTEL_LOGKIT_REDACT_ACTIONS: 'url_parameter=hash', OTEL_LOGKIT_REDACT_HASH_KEY: 'a-key-of-sixteen-bytes' });
    const record = { attributes: map({ 'http.target': '/cb?code=abc' }) };
    hashing.redactRecord(record);
    expect(record.attributes['http.target']).toMatch(/^\/cb\?code=\[HASH:url_parameter:[0-9a-f]{32}\]$/);
  });
});

/** 1 MB statements and URLs built to make the sanitizers' scanners work hardest; each must simply finish. */
describe('sanitizers on adversarial input', () => {
  const MB = 1024 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

  it('scan 1 MB statements in linear time', () => {
    const hostile: Record<string, string[]> = {
      postgresql: [fill("E'a'"), fill("'"), fill('$a$'), fill('$$'), fill('1.'), fill('-- '), fill('/*')],
      mysql: [fill('"a"'), fill('0x')],
      redis: [fill('x '), fill('"a" '), `MSET ${fill('k v ')}`],
      mongodb: [fill('"a":'), fill('{"find":'), fill("{a: 'b'")],
    };
    for (const [system, statements] of Object.entries(hostile)) {
      for (const statement of statements) expect(typeof sanitizeDbStatement(statement, system)).toBe('string');
    }
  });

  it('scan 1 MB URLs in linear time', () => {
    const big = redactorFor();
    for (const url of [`https://h/?${fill('sig=a&')}`, `https://${fill('a@')}`, fill('?#'), `https://h/?${fill('&')}`, fill('%')]) {
      const record = { attributes: map({ 'url.full': url }) };
      big.redactRecord(record);
      expect(typeof record.attributes['url.full']).toBe('string');
    }
  });
});
