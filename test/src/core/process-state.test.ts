import { describe, expect, it } from 'vitest';
import { processWide } from '../../../src/core/process-state.js';

describe('process-wide state', () => {
  it('is created once per process and name, whichever copy of the code asks', () => {
    const first = processWide('test-slot', 1, () => ({ n: 1 }));
    const second = processWide('test-slot', 1, () => ({ n: 2 }));
    expect(second).toBe(first);
    expect((globalThis as unknown as Record<symbol, unknown>)[Symbol.for('otel-logkit.test-slot.v1')]).toBe(first);
  });

  it('keeps copies with another shape version apart, so incompatible copies never mix', () => {
    const v1 = processWide('test-versioned', 1, () => ({ shape: 'old' }));
    const v2 = processWide('test-versioned', 2, () => ({ shape: 'new' }));
    expect(v2).not.toBe(v1);
    expect(v2).toEqual({ shape: 'new' });
  });

  it('stays out of the way: not enumerable on globalThis, and cannot be replaced', () => {
    const state = processWide('test-hidden', 1, () => ({}));
    const key = Symbol.for('otel-logkit.test-hidden.v1');
    expect(Object.getOwnPropertySymbols(globalThis).filter((s) => Object.getOwnPropertyDescriptor(globalThis, s)?.enumerable)).not.toContain(key);
    expect(() => {
      (globalThis as unknown as Record<symbol, unknown>)[key] = {};
    }).toThrow(TypeError);
    expect(processWide('test-hidden', 1, () => ({ other: true }))).toBe(state);
  });
});
