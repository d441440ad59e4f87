import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { keptEncodingOf } from '../../src/core/record-encoding.js';
import { groupByResourceAndScope, hrTimeToNanosString } from './grouping.js';
import { JsonBytes, writeOtlpJsonOfRecordBytes } from './transcode-json.js';

/**
 * The one OTLP-JSON encoder: `http/json` bodies, the file exporter's lines and dead-letter files.
 * It follows the OTLP/JSON mapping: int64 and fixed64 as decimal strings, trace and span ids as hex,
 * bytes as base64, non-finite doubles as "NaN" / "Infinity" / "-Infinity", enums as numbers, camelCase keys.
 *
 * @example
 * const line = encodeOtlpJson(batch); // one ExportLogsServiceRequest, no newline
 */
export function encodeOtlpJson(records: readonly LogkitRecord[]): string {
  return encodeOtlpJsonBytes(records).toString('utf8');
}

/** Average OTLP/JSON bytes per record of the last batch: the next batch's buffer is sized from it. */
let bytesPerRecord = 1024;

/**
 * The same text as UTF-8 bytes, in a buffer of its own: what `JSON.stringify(toExportRequest(records))`
 * gives, written in one pass — resource and scope once per object, and a record that still holds its
 * OTLP bytes transcoded from them (transcode-json.ts), never decoded.
 */
export function encodeOtlpJsonBytes(records: readonly LogkitRecord[], suffix = ''): Buffer {
  const out = new JsonBytes(records.length * bytesPerRecord + 256);
  out.ascii('{"resourceLogs":[');
  groupByResourceAndScope(records).forEach((group, g) => {
    out.ascii(g === 0 ? '{"resource":' : ',{"resource":');
    out.text(cachedJson(resourceTexts, group.resource, resourceJson));
    out.ascii(',"scopeLogs":[');
    group.scopes.forEach((s, i) => {
      out.ascii(i === 0 ? '{"scope":' : ',{"scope":');
      out.text(cachedJson(scopeTexts, s.scope, scopeJson));
      out.ascii(',"logRecords":[');
      for (let r = 0; r < s.records.length; r++) {
        if (r > 0) out.ascii(',');
        const record = s.records[r]!;
        const bytes = keptEncodingOf(record);
        if (bytes === undefined || !writeOtlpJsonOfRecordBytes(bytes, out)) out.text(JSON.stringify(recordJson(record)));
      }
      out.ascii(']');
      out.text(schemaUrlText(s.scope.schemaUrl));
      out.ascii('}');
    });
    out.ascii(']');
    out.text(schemaUrlText(group.resource.schemaUrl));
    out.ascii('}');
  });
  out.ascii(']}');
  out.ascii(suffix);
  if (records.length > 0) bytesPerRecord = Math.ceil(out.pos / records.length);
  return out.view();
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
