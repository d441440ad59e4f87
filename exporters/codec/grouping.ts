import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord } from '../../src/core/record.js';

/** The items (records, or encoded records) of one instrumentation scope within one resource, in arrival order. */
export interface ScopeGroup<T = LogkitRecord> {
  scope: InstrumentationScope;
  records: T[];
}

export interface ResourceGroup<T = LogkitRecord> {
  resource: Resource;
  scopes: ScopeGroup<T>[];
}

/**
 * OTLP nests records under their resource and scope. Records from one logger share the very same
 * resource and scope objects (the SDK makes one per logger, the spool decoder interns them), so
 * grouping is by identity — no attribute comparison on the hot path.
 */
export function groupByResourceAndScope(records: readonly LogkitRecord[]): ResourceGroup[] {
  return groupBy(records, (r) => r.resource, (r) => r.instrumentationScope);
}

/** The same grouping for anything that knows its resource and scope. */
export function groupBy<T>(items: readonly T[], resourceOf: (item: T) => Resource, scopeOf: (item: T) => InstrumentationScope): ResourceGroup<T>[] {
  const groups: ResourceGroup<T>[] = [];
  let lastResource: ResourceGroup<T> | undefined;
  let lastScope: ScopeGroup<T> | undefined;
  for (const item of items) {
    const resource = resourceOf(item);
    const scope = scopeOf(item);
    if (lastResource?.resource !== resource) {
      lastResource = groups.find((g) => g.resource === resource);
      if (!lastResource) {
        lastResource = { resource, scopes: [] };
        groups.push(lastResource);
      }
      lastScope = undefined;
    }
    if (lastScope?.scope !== scope) {
      lastScope = lastResource.scopes.find((s) => s.scope === scope);
      if (!lastScope) {
        lastScope = { scope, records: [] };
        lastResource.scopes.push(lastScope);
      }
    }
    lastScope.records.push(item);
  }
  return groups;
}

/** Nanoseconds since the epoch as a decimal string, exact beyond 2^53. */
export function hrTimeToNanosString(time: readonly [number, number]): string {
  const [seconds, nanos] = time;
  if (seconds < 9_000_000) return String(seconds * 1e9 + nanos);
  return (BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.trunc(nanos))).toString();
}
