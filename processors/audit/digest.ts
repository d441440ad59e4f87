import { SeverityNumber } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AUDIT_CHAIN_ATTRIBUTES, AUDIT_DIGEST_LOG_TYPE, AUDIT_DIGEST_PREFIX, LOG_TYPE_ATTRIBUTE } from '../../src/core/audit-record.js';
import type { LogkitRecord, LogMap } from '../../src/core/record.js';
import { unixNanosString } from '../../src/core/record-fields.js';
import type { DigestBody } from './signature.js';

/** The instrumentation scope of the digest records the audit stage writes. */
export const DIGEST_SCOPE = { name: 'otel-logkit.audit' };

/** The digest fields as they appear on the record: `audit.digest.<field>`, plus `audit.stream`. */
export const DIGEST_FIELDS = ['seq', 'first_seq', 'last_seq', 'last_hash', 'prev_signature', 'key_id', 'signed_at', 'signature'] as const;

/** The body of a new digest, signed at `now`. */
export function digestBody(fields: Omit<DigestBody, 'signed_at'>, now = hrTime()): DigestBody {
  return { ...fields, signed_at: unixNanosString(now) };
}

/** The digest as a log record, travelling the same way as the records it covers. */
export function digestRecord(resource: Resource, body: DigestBody, signature: string): LogkitRecord {
  const now = hrTime();
  const attributes: LogMap = {};
  attributes[LOG_TYPE_ATTRIBUTE] = AUDIT_DIGEST_LOG_TYPE;
  attributes[AUDIT_CHAIN_ATTRIBUTES.stream] = body.stream;
  const values: Record<(typeof DIGEST_FIELDS)[number], string | number> = { ...body, signature };
  for (const field of DIGEST_FIELDS) attributes[AUDIT_DIGEST_PREFIX + field] = values[field];
  return {
    hrTime: now,
    hrTimeObserved: now,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: `audit digest ${body.seq} of stream ${body.stream}: records ${body.first_seq}-${body.last_seq}`,
    resource,
    instrumentationScope: DIGEST_SCOPE,
    attributes,
    droppedAttributesCount: 0,
  };
}
