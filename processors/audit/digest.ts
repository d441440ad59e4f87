import { SeverityNumber } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AUDIT_CHAIN_ATTRIBUTES, AUDIT_DIGEST_LOG_TYPE, AUDIT_DIGEST_PREFIX, LOG_TYPE_ATTRIBUTE } from '../../src/core/audit-record.js';
import type { LogkitRecord, LogMap } from '../../src/core/record.js';
import { unixNanosString } from '../../src/core/record-fields.js';
import type { DigestBody } from './signature.js';

/** The instrumentation scope of the digest records the audit stage writes. */
export const DIGEST_SCOPE = { name: 'otel-logkit.audit' };

/**
 * Why a digest was written: `start` opens a chain (a first start, or the chain state was lost),
 * `records` after the digest count, `interval` on the clock even when idle, `flush` at a flush
 * (the automatic flush at exit, `withLogFlush`), `shutdown` at shutdown or a signal, `crash` when the
 * process dies of an uncaught exception.
 */
export type DigestReason = 'start' | 'records' | 'interval' | 'flush' | 'shutdown' | 'crash';

/** A version 2 digest: the body, the promised interval and why it was written. */
export interface Digest extends DigestBody {
  interval_ms: number;
  reason: DigestReason;
}

/** The digest fields as they appear on the record: `audit.digest.<field>`, plus `audit.stream`. */
export const DIGEST_FIELDS = ['seq', 'first_seq', 'last_seq', 'last_hash', 'prev_signature', 'key_id', 'signed_at', 'interval_ms', 'reason'] as const;

/**
 * The digest as a log record (without its signature), travelling the same way as the records it covers.
 * Its time is the signing time.
 */
export function digestRecord(resource: Resource, fields: Omit<Digest, 'signed_at'>): LogkitRecord {
  const now = hrTime();
  const digest: Digest = { ...fields, signed_at: unixNanosString(now) };
  const attributes: LogMap = {};
  attributes[LOG_TYPE_ATTRIBUTE] = AUDIT_DIGEST_LOG_TYPE;
  attributes[AUDIT_CHAIN_ATTRIBUTES.stream] = digest.stream;
  for (const field of DIGEST_FIELDS) attributes[AUDIT_DIGEST_PREFIX + field] = digest[field];
  const range = digest.last_seq >= digest.first_seq ? `records ${digest.first_seq}-${digest.last_seq}` : `no new records after ${digest.last_seq}`;
  return {
    hrTime: now,
    hrTimeObserved: now,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: `audit digest ${digest.seq} of stream ${digest.stream} (${digest.reason}): ${range}`,
    resource,
    instrumentationScope: DIGEST_SCOPE,
    attributes,
    droppedAttributesCount: 0,
  };
}
