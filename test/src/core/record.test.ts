import { describe, expect, it } from 'vitest';
import { copyValue, type LogMap, type LogValue } from '../../../src/core/record.js';

const limits = { maxStringLength: 1000, maxDepth: 32, maxCollectionLength: 100 };
const entries = (value: LogValue): number => {
  if (Array.isArray(value)) return value.length + value.reduce<number>((n, v) => n + entries(v), 0);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.keys(value).length + Object.values(value as LogMap).reduce<number>((n, v) => n + entries(v), 0);
  return 0;
};

describe('copying a value under the limits', () => {
  it('spends one budget of collection entries on the whole value, so nested collections cannot multiply the copy', () => {
    const report = { truncated: 0, replaced: 0 };
    const nested = Array.from({ length: 1000 }, () => Array.from({ length: 1000 }, (_, i) => i));
    const copy = copyValue(nested, limits, report);
    expect(entries(copy)).toBeLessThanOrEqual(100);
    expect((copy as LogValue[])[0]).toEqual(Array.from({ length: 99 }, (_, i) => i));
    expect(report.truncated).toBeGreaterThan(0);
  });

  it('reads only the first entries of a huge Set or Map', () => {
    const report = { truncated: 0, replaced: 0 };
    const set = new Set(Array.from({ length: 100_000 }, (_, i) => i));
    const map = new Map(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    expect(copyValue(set, limits, report)).toHaveLength(100);
    expect(Object.keys(copyValue(map, limits, report) as LogMap)).toHaveLength(100);
    expect(report.truncated).toBe(2);
  });

  it('keeps a value within the budget whole', () => {
    const value = { a: [1, 2, 3], b: { c: 'd' } };
    expect(copyValue(value, limits)).toEqual(value);
  });
});
