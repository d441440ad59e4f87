import { createHash } from 'node:crypto';
import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentOf, hashContent, hashRecord } from '../../../processors/audit/canonical.js';
import type { LogkitRecord } from '../../../src/core/record.js';

const record = (over: Partial<LogkitRecord>): LogkitRecord => ({
  hrTime: [1764576000, 123456789],
  hrTimeObserved: [1764576001, 0],
  severityNumber: SeverityNumber.WARN,
  resource: resourceFromAttributes({}),
  instrumentationScope: { name: 'billing.audit' },
  attributes: {},
  droppedAttributesCount: 0,
  body: 'refund approved',
  ...over,
});

describe('the canonical encoding of audit content', () => {
  it('is the documented JSON: sorted keys, no whitespace, the severity name when there is no text', () => {
    const content = contentOf(record({ attributes: { b: 1, a: { z: true, y: [1, 'two'] } } }));
    expect(canonicalJson(content)).toBe(
      '{"attributes":{"a":{"y":[1,"two"],"z":true},"b":1},"body":"refund approved","scope":"billing.audit","severity":"WARN","time_unix_nano":"1764576000123456789"}',
    );
    expect(hashContent(content)).toBe(createHash('sha256').update(canonicalJson(content)).digest('hex'));
  });

  it('hashes a record on the emit path exactly as the verifier hashes its stored content', () => {
    const values: LogkitRecord[] = [
      record({ attributes: { n: 1.5, big: 2n ** 70n, small: 5n, nan: NaN, inf: -Infinity, bytes: new Uint8Array([1, 2, 255]), nil: null, undef: undefined, 'audit.hash': 'ignored' } }),
      record({ body: { nested: { list: [1, { b: 2, a: undefined }], text: 'x"y\u2028' } }, eventName: 'refund.approved', severityText: 'notice' }),
      record({ body: 42, hrTime: [0, 0] }),
      record({ body: undefined, instrumentationScope: { name: '' } }),
      record({ body: new Uint8Array([104, 105]), attributes: { ['__proto__']: 'own key', 'ü': 'ß' } }),
    ];
    for (const r of values) expect(hashRecord(r)).toBe(hashContent(contentOf(r)));
  });
});
