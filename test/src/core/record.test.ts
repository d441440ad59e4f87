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

  it('copies a Map that contains itself as circular, not as a tower of copies', () => {
    const report = { truncated: 0, replaced: 0 };
    const map = new Map<unknown, unknown>([['name', 'loop']]);
    map.set('self', map);
    expect(copyValue(map, limits, report)).toEqual({ name: 'loop', self: '[circular]' });
    expect(report).toEqual({ truncated: 0, replaced: 1 });
  });

  it('copies long arrays as plain arrays without running their species, proxy traps or holes into the copy', () => {
    const items = Array.from({ length: 80 }, (_, i) => i);
    class Hostile extends Array<number> {
      static override get [Symbol.species](): ArrayConstructor {
        throw new Error('species');
      }
    }
    expect(copyValue(Hostile.from(items), limits)).toEqual(items);

    const lying = new Proxy([...items], { get: (target, key) => (key === 'constructor' ? { [Symbol.species]: Object } : Reflect.get(target, key)) });
    const copy = copyValue(lying, limits);
    expect(Array.isArray(copy) && Object.getPrototypeOf(copy) === Array.prototype).toBe(true);
    expect(copy).toEqual(items);

    const holey = [...items];
    delete holey[1];
    const filled = copyValue(holey, limits) as LogValue[];
    expect(filled).toHaveLength(80);
    expect(1 in filled).toBe(true);
    expect(filled[1]).toBeUndefined();
  });

  it('cuts a long array of numbers to the budget left after its nested collections', () => {
    const report = { truncated: 0, replaced: 0 };
    const mixed = [Array.from({ length: 30 }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => i)];
    const copy = copyValue(mixed, limits, report) as LogValue[];
    expect(entries(copy)).toBe(100);
    expect(copy).toHaveLength(70);
    expect(report.truncated).toBe(1);
  });

  it('cuts a long string before a surrogate pair rather than through it, and marks the cut without a long digit run', () => {
    const report = { truncated: 0, replaced: 0 };
    const cut = copyValue(`${'a'.repeat(999)}😀${'b'.repeat(5_000_000)}`, limits, report) as string;
    expect(cut).toBe(`${'a'.repeat(999)}…[truncated 5,000,002 chars]`);
    expect(report).toEqual({ truncated: 1, replaced: 0 });
    // Seven digits in a row would look like a card or phone number to the redactor's detectors.
    expect(cut).not.toMatch(/\d{7}/);
  });

  it('still replaces a lone surrogate in the kept part of a cut string', () => {
    const report = { truncated: 0, replaced: 0 };
    const cut = copyValue(`a\uD800${'b'.repeat(2000)}`, limits, report) as string;
    expect(cut.startsWith('a\uFFFDb')).toBe(true);
    expect(cut.isWellFormed()).toBe(true);
    expect(report).toEqual({ truncated: 1, replaced: 1 });
  });
});
