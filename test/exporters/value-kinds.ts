import { OtlpDouble } from '../../src/core/otlp-values.js';
import type { LogMap, LogValue } from '../../src/core/record.js';

/** Attribute values of every kind and edge a transcoder must write as the decoded record would. */
export const VALUE_KINDS: LogMap = {
  text: 'ünïcödé ✓ 😀 "quoted" \\ \n\t\u0001\u2028',
  yes: true,
  small: -7,
  beyond: 2n ** 62n + 1n,
  whole: new OtlpDouble(100),
  fraction: 2.5,
  nan: Number.NaN,
  inf: Number.NEGATIVE_INFINITY,
  bytes: new Uint8Array([0, 1, 254, 255]),
  nothing: null,
  uniform: [1, 2, new OtlpDouble(3), null],
  mixed: [1, 'two', false, null, [3, 'x'], { k: [1, 'y'] }, 2n ** 62n, Number.NaN, new Uint8Array([1])],
  nested: { ratio: new OtlpDouble(1), inner: { id: 2n ** 60n, list: ['a', 1], gone: null }, '': 'empty key', 'odd key': 'x' },
  emptyList: [],
  emptyMap: {},
};

/** Bodies of every kind: absent, empty, scalars, a map, a mixed array, an empty string. */
export const BODY_KINDS: (LogValue | undefined)[] = ['plain', undefined, null, 42, new OtlpDouble(7), 2.5, Number.NaN, true, 2n ** 62n, new Uint8Array([9, 9]), VALUE_KINDS.nested, VALUE_KINDS.mixed, ''];
