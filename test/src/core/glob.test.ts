import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../../src/core/glob.js';

const matches = (pattern: string, name: string) => compileGlob(pattern)(name);

describe('compileGlob: the one meaning of a name pattern', () => {
  it('matches a pattern without * against that exact name only', () => {
    expect(matches('billing', 'billing')).toBe(true);
    expect(matches('billing', 'billing.cards')).toBe(false);
    expect(matches('billing', 'Billing')).toBe(false);
  });

  it('reads a.* as a and everything below it', () => {
    expect(matches('billing.*', 'billing')).toBe(true);
    expect(matches('billing.*', 'billing.cards')).toBe(true);
    expect(matches('billing.*', 'billing.cards.visa')).toBe(true);
    expect(matches('billing.*', 'billingx')).toBe(false);
    expect(matches('billing.*', 'billin')).toBe(false);
    expect(matches('billing.*', 'shop.billing')).toBe(false);
  });

  it('matches * anywhere against any run of characters, dots included', () => {
    expect(matches('*', '')).toBe(true);
    expect(matches('*', 'anything.at.all')).toBe(true);
    expect(matches('pay*', 'payments')).toBe(true);
    expect(matches('pay*', 'pay')).toBe(true);
    expect(matches('*.db', 'orders.db')).toBe(true);
    expect(matches('*.db', 'orders.cache')).toBe(false);
    expect(matches('a*c', 'a.b.c')).toBe(true);
    expect(matches('a*c', 'a.b.cd')).toBe(false);
  });

  it('keeps the a.* rule when * also appears earlier', () => {
    expect(matches('*.db.*', 'orders.db')).toBe(true);
    expect(matches('*.db.*', 'orders.db.pool')).toBe(true);
    expect(matches('*.db.*', 'orders.dbx')).toBe(false);
  });

  it('takes every other character literally, regular-expression characters included', () => {
    expect(matches('a.b', 'axb')).toBe(false);
    expect(matches('(x)+[y]?', '(x)+[y]?')).toBe(true);
    expect(matches('$*^', '$middle^')).toBe(true);
    expect(matches('a|b', 'a')).toBe(false);
  });
});
