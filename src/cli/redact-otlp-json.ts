import { anyValueJson } from '../../exporters/codec/encode-json.js';
import type { LogMap, LogValue } from '../core/record.js';
import type { Redactor } from '../../processors/redaction/redactor.js';
import { RedactionSummary, summaryAttributes } from '../../processors/redaction/summary.js';

/**
 * OTLP-JSON log data (`{"resourceLogs":[…]}` export requests, as the Collector's file exporter
 * writes them, or single `logRecords` entries) for `otel-logkit redact`. Attributes there are
 * `{ key, value: { stringValue: … } }` lists, so key rules must see `key` and redact `value`. Values
 * the rules do not touch keep their original encoding; redacted ones are re-encoded by the OTLP-JSON
 * encoder of the exporters.
 */

interface KeyValue {
  key: string;
  value?: object;
}
type AnyValue = Record<string, unknown>;
type Json = Record<string, unknown>;

/** True for an export request or a single OTLP log record. */
export function isOtlpLogs(value: unknown): value is Json {
  if (!isObject(value)) return false;
  if (Array.isArray(value.resourceLogs)) return true;
  return ('timeUnixNano' in value || 'observedTimeUnixNano' in value || 'severityNumber' in value) && (isObject(value.body) || Array.isArray(value.attributes));
}

/** Redacts OTLP-JSON log data in place; returns what was redacted. */
export function redactOtlpLogs(data: Json, redactor: Redactor, withSummary: boolean): RedactionSummary {
  const total = new RedactionSummary();
  const records: Json[] = [];
  if (Array.isArray(data.resourceLogs)) {
    for (const resourceLogs of data.resourceLogs.filter(isObject)) {
      redactAttributesOf(resourceLogs.resource, redactor, total);
      for (const scopeLogs of arrayOf(resourceLogs.scopeLogs)) {
        redactAttributesOf(scopeLogs.scope, redactor, total);
        records.push(...arrayOf(scopeLogs.logRecords));
      }
    }
  } else records.push(data);
  for (const record of records) {
    const summary = new RedactionSummary();
    if (isObject(record.body)) {
      const body = fromAnyValue(record.body);
      const out = redactor.redactValue(body, summary);
      if (summary.count > 0) record.body = anyValueJson(out);
    }
    redactAttributesOf(record, redactor, summary);
    if (summary.count > 0 && withSummary) {
      const attributes = Array.isArray(record.attributes) ? (record.attributes as KeyValue[]) : [];
      for (const [key, value] of Object.entries(summaryAttributes(summary))) attributes.push({ key, value: anyValueJson(value) });
      record.attributes = attributes;
    }
    total.merge(summary);
  }
  return total;
}

function redactAttributesOf(holder: unknown, redactor: Redactor, summary: RedactionSummary): void {
  if (!isObject(holder) || !Array.isArray(holder.attributes)) return;
  holder.attributes = redactKeyValues(holder.attributes, redactor, summary);
}

function redactKeyValues(list: unknown[], redactor: Redactor, summary: RedactionSummary): unknown[] {
  const out: unknown[] = [];
  for (const item of list) {
    if (!isObject(item) || typeof item.key !== 'string') {
      out.push(item);
      continue;
    }
    const before = summary.count;
    const result = redactor.redactEntry(item.key, isObject(item.value) ? fromAnyValue(item.value) : null, summary);
    if (result === undefined) continue;
    out.push(summary.count > before ? { ...item, value: anyValueJson(result.value) } : item);
  }
  return out;
}

/** AnyValue → our value model (int64 as bigint, bytes as Uint8Array, kvlist as a map). */
function fromAnyValue(value: AnyValue): LogValue {
  if ('stringValue' in value) return String(value.stringValue);
  if ('boolValue' in value) return Boolean(value.boolValue);
  if ('intValue' in value) {
    try {
      return BigInt(value.intValue as string | number);
    } catch {
      return String(value.intValue);
    }
  }
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return new Uint8Array(Buffer.from(String(value.bytesValue), 'base64'));
  if (isObject(value.arrayValue)) return arrayOf(value.arrayValue.values).map(fromAnyValue);
  if (isObject(value.kvlistValue)) {
    const map: LogMap = Object.create(null);
    for (const kv of arrayOf(value.kvlistValue.values)) {
      if (typeof kv.key === 'string') map[kv.key] = isObject(kv.value) ? fromAnyValue(kv.value) : null;
    }
    return map;
  }
  return null;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}
