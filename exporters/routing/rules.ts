import type { SeverityNumber } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/core/record.js';
import { compileGlob } from '../../src/core/glob.js';
import { attributeOf } from '../../src/core/record-encoding.js';
import { resourceAttributes, toText } from '../../src/core/record-fields.js';
import type { RouteTarget } from '../delivery/descriptor.js';

/** One test a record must pass for its rule to apply. */
export type RouteCondition =
  /** The logger name (instrumentation scope) as {@link compileGlob} reads it: `billing.*` is `billing` and below. */
  | { kind: 'scope'; pattern: string }
  /** Severity at least, below, or within the range of (`=error` is ERROR..ERROR4) a level. */
  | { kind: 'severity'; op: '>=' | '<' | '='; level: SeverityNumber }
  /** A record attribute (then a resource attribute) equal to the pattern; `*` alone means "present". */
  | { kind: 'attribute'; key: string; pattern: string }
  /** Every record: a catch-all rule. */
  | { kind: 'any' };

export type { RouteTarget };

export interface RouteRule {
  /** The rule as written, for diagnostics. */
  text: string;
  conditions: RouteCondition[];
  targets: RouteTarget[];
}

/** The destination name of a target: the exporter alone, or with its options in a stable order. */
export function targetKey(exporter: string, options: Readonly<Record<string, string>>): string {
  const parts = Object.keys(options)
    .sort()
    .map((k) => `${k}_${options[k]}`);
  return [exporter, ...parts].join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
}

/**
 * A rule compiled for the hot path: glob patterns become matchers once, at startup, and
 * `matches` reads the record without allocating.
 */
export class CompiledRule {
  private readonly tests: ((record: LogkitRecord) => boolean)[];

  constructor(readonly rule: RouteRule) {
    this.tests = rule.conditions.map(compileCondition);
  }

  matches(record: LogkitRecord): boolean {
    for (const test of this.tests) if (!test(record)) return false;
    return true;
  }
}

function compileCondition(condition: RouteCondition): (record: LogkitRecord) => boolean {
  switch (condition.kind) {
    case 'any':
      return () => true;
    case 'scope': {
      const matches = compileGlob(condition.pattern);
      return (record) => matches(record.instrumentationScope.name);
    }
    case 'severity': {
      const { op, level } = condition;
      if (op === '>=') return (record) => (record.severityNumber ?? 0) >= level;
      if (op === '<') return (record) => (record.severityNumber ?? 0) < level;
      const top = level + 3 - ((level - 1) % 4);
      return (record) => (record.severityNumber ?? 0) >= level && (record.severityNumber ?? 0) <= top;
    }
    case 'attribute': {
      const { key } = condition;
      const any = condition.pattern === '*';
      const matches = compileGlob(condition.pattern);
      return (record) => {
        const own = attributeOf(record, key);
        const value = own !== undefined && own !== null ? own : resourceAttributes(record.resource)[key];
        if (value === undefined || value === null) return false;
        return any || matches(typeof value === 'string' ? value : toText(value as never));
      };
    }
  }
}
