import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';

describe('newId', () => {
  it('gives 32 lowercase hex characters, different every time, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newId();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('draws every bit at random: each hex digit takes all 16 values at every position', () => {
    const digits = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...newId()].forEach((c, at) => digits[at]!.add(c));
    for (const values of digits) expect(values.size).toBe(16);
  });
});
