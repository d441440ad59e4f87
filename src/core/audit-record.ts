import type { InstrumentationScope } from '@opentelemetry/core';
import type { Attributes } from '@opentelemetry/api';
import type { LogkitRecord } from './record.js';
import { attributeOf } from './record-encoding.js';

/**
 * The words of the audit trail, shared by the sampling stage (audit records are never sampled), the
 * audit stage (which chains them), the SDK processor (which never refuses an audit logger) and the
 * verifier. A record is an audit record when its attribute `log.type` is `audit`; `auditLogger(name)`
 * sets it on every record, and also marks its instrumentation scope, which is all the SDK's
 * `enabled()` sees before a record exists.
 */
export const LOG_TYPE_ATTRIBUTE = 'log.type';
export const AUDIT_LOG_TYPE = 'audit';
/** `log.type` of the signed digest records. */
export const AUDIT_DIGEST_LOG_TYPE = 'audit.digest';

/** The chain each audit record carries (see processors/audit/canonical.ts for what is hashed). */
export const AUDIT_CHAIN_ATTRIBUTES = {
  stream: 'audit.stream',
  seq: 'audit.seq',
  prevHash: 'audit.prev_hash',
  hash: 'audit.hash',
} as const;

/** The fields of a digest record, each an attribute `audit.digest.<field>`. */
export const AUDIT_DIGEST_PREFIX = 'audit.digest.';

export function isAuditRecord(record: LogkitRecord): boolean {
  return attributeOf(record, LOG_TYPE_ATTRIBUTE) === AUDIT_LOG_TYPE;
}

/** True for the scope of a logger made by `auditLogger(name)`. */
export function isAuditScope(scope: InstrumentationScope & { attributes?: Attributes }): boolean {
  return scope.attributes?.[LOG_TYPE_ATTRIBUTE] === AUDIT_LOG_TYPE;
}
