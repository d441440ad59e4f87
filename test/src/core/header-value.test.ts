import { describe, expect, it } from 'vitest';
import { headerSanitizing, sanitizeHeaderValue } from '../../../src/core/header-value.js';

describe('sanitizeHeaderValue', () => {
  it.each(['3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e', '01J9Z8K7M6N5P4Q3R2S1T0V9W8', 'req:42', 'YWJj+/=', 'a.b_c~d@e'])('keeps the ordinary id %s unchanged', (id) => {
    expect(sanitizeHeaderValue(id, 128)).toBe(id);
  });

  it('cuts a 10 KB value to the maximum length', () => {
    const before = headerSanitizing.cut;
    const value = sanitizeHeaderValue('a'.repeat(10 * 1024), 128);
    expect(value).toBe('a'.repeat(128));
    expect(headerSanitizing.cut).toBe(before + 1);
  });

  it('replaces CR, LF, control characters, separators and non-ASCII with _', () => {
    const before = headerSanitizing.replaced;
    expect(sanitizeHeaderValue('abc\r\nSet-Cookie: evil=1', 128)).toBe('abc__Set-Cookie:_evil=1');
    expect(sanitizeHeaderValue('id\u0000\u0007\u001b[31m\u007f', 128)).toBe('id____31m_');
    expect(sanitizeHeaderValue('<script>"x";</script>', 128)).toBe('_script__x___/script_');
    expect(sanitizeHeaderValue('\u2028ünïcødé\u2028x', 128)).toBe('_n_c_d__x');
    expect(headerSanitizing.replaced).toBe(before + 4);
  });

  it('treats a missing, empty or blank value as absent, and a repeated header as its first value', () => {
    expect(sanitizeHeaderValue(undefined, 128)).toBeUndefined();
    expect(sanitizeHeaderValue('', 128)).toBeUndefined();
    expect(sanitizeHeaderValue(' \t ', 128)).toBeUndefined();
    expect(sanitizeHeaderValue(['first', 'second'], 128)).toBe('first');
    expect(sanitizeHeaderValue([], 128)).toBeUndefined();
  });

  it('trims surrounding whitespace without counting it as a change', () => {
    const before = { ...headerSanitizing };
    expect(sanitizeHeaderValue('  abc  ', 128)).toBe('abc');
    expect(headerSanitizing).toEqual(before);
  });
});
