import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord } from '../../src/record.js';

/** The records of one instrumentation scope within one resource, in arrival order. */
export interface ScopeGroup {
  scope: InstrumentationScope;
  records: LogkitRecord[];
}

export interface ResourceGroup {
  resource: Resource;
  scopes: ScopeGroup[];
}

/**
 * OTLP nests records under their resource and scope. Records from one logger share the very same
 * resource and scope objects (the SDK makes one per logger, the spool decoder interns them), so
 * grouping is by identity — no attribute comparison on the hot path.
 */
export function groupByResourceAndScope(records: readonly LogkitRecord[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  let lastResource: ResourceGroup | undefined;
  let lastScope: ScopeGroup | undefined;
  for (const record of records) {
    if (lastResource?.resource !== record.resource) {
      lastResource = groups.find((g) => g.resource === record.resource);
      if (!lastResource) {
        lastResource = { resource: record.resource, scopes: [] };
        groups.push(lastResource);
      }
      lastScope = undefined;
    }
    if (lastScope?.scope !== record.instrumentationScope) {
      lastScope = lastResource.scopes.find((s) => s.scope === record.instrumentationScope);
      if (!lastScope) {
        lastScope = { scope: record.instrumentationScope, records: [] };
        lastResource.scopes.push(lastScope);
      }
    }
    lastScope.records.push(record);
  }
  return groups;
}

/** Nanoseconds since the epoch as a decimal string, exact beyond 2^53. */
export function hrTimeToNanosString(time: readonly [number, number]): string {
  const [seconds, nanos] = time;
  if (seconds < 9_000_000) return String(seconds * 1e9 + nanos);
  return (BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.trunc(nanos))).toString();
}
