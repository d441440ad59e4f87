import { context, SeverityNumber, trace } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { RULE_CHANGE_ATTRIBUTES } from '../../src/core/attributes.js';
import { currentExecution } from '../../src/core/execution.js';
import type { LogkitRecord, LogMap } from '../../src/core/record.js';

/** The instrumentation scope of the records the sampling stage makes itself. */
export const RULE_CHANGE_SCOPE = { name: 'otel-logkit.sampling' };

/** What an audit record says: which rules source, what changed (or why it was refused), and who asked. */
export interface RuleChange {
  outcome: 'changed' | 'rejected';
  /** `env`, `file`, `url` or `api` (`setLevel`). */
  source: string;
  /** The file path or URL, or `setLevel`. */
  origin: string;
  changes?: string[];
  error?: string;
}

/**
 * Builds the record of a rules change (an audit-trail record: never sampled): when (its timestamp), what (the changed keys, one line each)
 * and who (for `setLevel`, the user of the current execution when there is one, e.g. an admin request;
 * for a file or URL, that origin). It carries the active span context so it joins the admin request's trace.
 */
export function ruleChangeRecord(resource: Resource, audit: RuleChange): LogkitRecord {
  const attributes: LogMap = {};
  attributes[RULE_CHANGE_ATTRIBUTES.audit] = true;
  attributes[RULE_CHANGE_ATTRIBUTES.outcome] = audit.outcome;
  attributes[RULE_CHANGE_ATTRIBUTES.source] = audit.source;
  attributes[RULE_CHANGE_ATTRIBUTES.origin] = audit.origin;
  attributes[RULE_CHANGE_ATTRIBUTES.actor] = audit.source === 'api' ? (currentExecution()?.userId ?? `process ${process.pid}`) : audit.origin;
  if (audit.changes) attributes[RULE_CHANGE_ATTRIBUTES.changes] = audit.changes;
  if (audit.error !== undefined) attributes[RULE_CHANGE_ATTRIBUTES.error] = audit.error;
  const now = hrTime();
  const rejected = audit.outcome === 'rejected';
  return {
    hrTime: now,
    hrTimeObserved: now,
    spanContext: trace.getSpanContext(context.active()),
    severityNumber: rejected ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: rejected ? 'WARN' : 'INFO',
    body: rejected
      ? `logging rules from ${audit.source} ${audit.origin} rejected, keeping the last good rules: ${audit.error}`
      : `logging rules changed by ${audit.source} ${audit.origin}: ${audit.changes?.join('; ')}`,
    resource,
    instrumentationScope: RULE_CHANGE_SCOPE,
    attributes,
    droppedAttributesCount: 0,
  };
}
