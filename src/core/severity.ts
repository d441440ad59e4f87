import { SeverityNumber } from '@opentelemetry/api';
import { AUDIT_LOG_TYPE, LOG_TYPE_ATTRIBUTE } from './audit-record.js';
import type { LogkitRecord } from './record.js';
import { attributeOf } from './record-encoding.js';

/**
 * Severity names follow the OTel SeverityNumber ranges: TRACE 1-4, DEBUG 5-8, INFO 9-12,
 * WARN 13-16, ERROR 17-20, FATAL 21-24. A name means the bottom of its range.
 */
const BY_NAME: Readonly<Record<string, SeverityNumber>> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

export const SEVERITY_FORM = 'a severity name (trace, debug, info, warn, error, fatal) or a number 1-24';

/** Parses `debug`, `WARN`, `info2` or `13`; returns undefined when the text is not a severity. */
export function parseSeverity(text: string): SeverityNumber | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= 24 ? (n as SeverityNumber) : undefined;
  }
  const match = /^([a-z]+)([1-4])?$/.exec(value);
  if (!match) return undefined;
  const base = BY_NAME[match[1]!];
  if (base === undefined) return undefined;
  return (base + (match[2] ? Number(match[2]) - 1 : 0)) as SeverityNumber;
}

/** The short name of the range a severity number falls in (`INFO` for 9-12). */
export function severityName(severity: number | undefined): string {
  if (severity === undefined || severity <= 0) return 'UNSPECIFIED';
  if (severity < 5) return 'TRACE';
  if (severity < 9) return 'DEBUG';
  if (severity < 13) return 'INFO';
  if (severity < 17) return 'WARN';
  if (severity < 21) return 'ERROR';
  return 'FATAL';
}

/**
 * TRACE, DEBUG, INFO, WARN, ERROR, FATAL as 0..5; unspecified counts as INFO. Queues shed the lowest
 * band first. An audit record (`log.type = "audit"`) is in the top band whatever its severity: when a
 * queue must shed, it is the last to go.
 */
export function severityBand(record: LogkitRecord): number {
  if (attributeOf(record, LOG_TYPE_ATTRIBUTE) === AUDIT_LOG_TYPE) return 5;
  const n = record.severityNumber ?? 0;
  if (n <= 0) return 2;
  return Math.min(5, Math.floor((n - 1) / 4));
}
