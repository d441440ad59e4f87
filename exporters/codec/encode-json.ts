import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { keptEncodingOf } from '../../src/core/record-encoding.js';
import { groupByResourceAndScope, hrTimeToNanosString } from './grouping.js';
import { otlpJsonOfRecordBytes } from './transcode-json.js';

/**
 * The one OTLP-JSON encoder: `http/json` bodies, the file exporter's lines and dead-letter files.
 * It follows the OTLP/JSON mapping: int64 and fixed64 as decimal strings, trace and span ids as hex,
 * bytes as base64, non-finite doubles as "NaN" / "Infinity" / "-Infinity", enums as numbers, camelCase keys.
 *
 * @example
 * const line = encodeOtlpJson(batch); // one ExportLogsServiceRequest, no newline
 */
export function encodeOtlpJson(records: readonly LogkitRecord[]): string {
  // The text JSON.stringify(toExportRequest(records)) would give, written in pieces: resource and scope
  // once per object, and a record that still holds its bytes transcoded from them (never decoded).
  let out = '{"resourceLogs":[';
  groupByResourceAndScope(records).forEach((group, g) => {
    out += `${g === 0 ? '' : ','}{"resource":${cachedJson(resourceTexts, group.resource, resourceJson)},"scopeLogs":[`;
    group.scopes.forEach((s, i) => {
      out += `${i === 0 ? '' : ','}{"scope":${cachedJson(scopeTexts, s.scope, scopeJson)},"logRecords":[`;
      for (let r = 0; r < s.records.length; r++) out += (r === 0 ? '' : ',') + recordText(s.records[r]!);
      out += `]${schemaUrlText(s.scope.schemaUrl)}}`;
    });
    out += `]${schemaUrlText(group.resource.schemaUrl)}}`;
  });
  return `${out}]}`;
}

function recordText(record: LogkitRecord): string {
  const bytes = keptEncodingOf(record);
  return (bytes && otlpJsonOfRecordBytes(bytes)) ?? JSON.stringify(recordJson(record));
}

const resourceTexts = new WeakMap<object, string>();
const scopeTexts = new WeakMap<object, string>();

function cachedJson<T extends object>(cache: WeakMap<object, string>, origin: T, toJson: (origin: T) => object): string {
  let text = cache.get(origin);
  if (text === undefined) cache.set(origin, (text = JSON.stringify(toJson(origin))));
  return text;
}

function schemaUrlText(url: string | undefined): string {
  return url === undefined ? '' : `,"schemaUrl":${JSON.stringify(url)}`;
}

/** The `ExportLogsServiceRequest` as a plain JSON-ready object. */
export function toExportRequest(records: readonly LogkitRecord[]): object {
  return {
    resourceLogs: groupByResourceAndScope(records).map((group) => ({
      resource: resourceJson(group.resource),
      scopeLogs: group.scopes.map((s) => ({
        scope: scopeJson(s.scope),
        logRecords: s.records.map(recordJson),
        schemaUrl: s.scope.schemaUrl,
      })),
      schemaUrl: group.resource.schemaUrl,
    })),
  };
}

function resourceJson(resource: Resource): object {
  return { attributes: attributesJson(resource.attributes), droppedAttributesCount: 0 };
}

function scopeJson(scope: InstrumentationScope & { attributes?: Attributes }): object {
  const out: Record<string, unknown> = { name: scope.name, version: scope.version };
  if (scope.attributes && Object.keys(scope.attributes).length > 0) out.attributes = attributesJson(scope.attributes);
  return out;
}

function recordJson(record: LogkitRecord): object {
  const out: Record<string, unknown> = {
    timeUnixNano: hrTimeToNanosString(record.hrTime),
    observedTimeUnixNano: hrTimeToNanosString(record.hrTimeObserved),
  };
  if (record.severityNumber) out.severityNumber = record.severityNumber;
  if (record.severityText) out.severityText = record.severityText;
  if (record.body !== undefined) out.body = anyValueJson(record.body);
  if (record.eventName) out.eventName = record.eventName;
  out.attributes = attributesJson(record.attributes);
  if (record.droppedAttributesCount) out.droppedAttributesCount = record.droppedAttributesCount;
  const span = record.spanContext;
  if (span) {
    if (span.traceFlags) out.flags = span.traceFlags;
    out.traceId = span.traceId;
    out.spanId = span.spanId;
  }
  return out;
}

function attributesJson(map: LogMap | Attributes): { key: string; value: Record<string, unknown> }[] {
  const out: { key: string; value: Record<string, unknown> }[] = [];
  for (const key of Object.keys(map)) out.push({ key, value: anyValueJson((map as LogMap)[key]) });
  return out;
}

/** AnyValue per the OTLP/JSON mapping; null and undefined become the empty AnyValue, as in the SDK. */
export function anyValueJson(value: LogValue): Record<string, unknown> {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      // Beyond int64 the value is kept exactly as text rather than wrapped (same rule as the protobuf encoder).
      return BigInt.asIntN(64, value) === value ? { intValue: value.toString() } : { stringValue: value.toString() };
    case 'number':
      if (Number.isSafeInteger(value)) return { intValue: String(value) };
      if (Number.isFinite(value)) return { doubleValue: value };
      return { doubleValue: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
    default:
      break;
  }
  if (value === null || value === undefined) return {};
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof OtlpDouble) return { doubleValue: value.value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueJson) } };
  return { kvlistValue: { values: attributesJson(value) } };
}
