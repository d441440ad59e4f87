import type { HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { setMapEntry, type LogkitRecord, type LogMap, type LogValue } from '../../src/core/record.js';

interface JsonKeyValue {
  key?: string;
  value?: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
}
interface JsonLogRecord {
  timeUnixNano?: string | number;
  observedTimeUnixNano?: string | number;
  severityNumber?: number;
  severityText?: string;
  body?: JsonAnyValue;
  eventName?: string;
  attributes?: JsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
}
interface JsonRequest {
  resourceLogs?: {
    resource?: { attributes?: JsonKeyValue[] };
    schemaUrl?: string;
    scopeLogs?: { scope?: { name?: string; version?: string }; schemaUrl?: string; logRecords?: JsonLogRecord[] }[];
  }[];
}

/**
 * Reads an OTLP-JSON `ExportLogsServiceRequest` — what {@link encodeOtlpJson} writes into dead-letter
 * files and the file exporter's lines — back into records, so they can be sent again through any
 * destination. The inverse of the encoder's mapping: int64 as decimal strings (beyond 2^53 as bigint),
 * ids as hex, bytes as base64, "NaN"/"Infinity" doubles. Throws a TypeError naming what is malformed.
 *
 * @example
 * const records = decodeOtlpJson(JSON.parse(readFileSync(file, 'utf8')).request);
 */
export function decodeOtlpJson(request: unknown): LogkitRecord[] {
  if (typeof request !== 'object' || request === null) throw new TypeError('not an OTLP-JSON ExportLogsServiceRequest (an object with resourceLogs)');
  const out: LogkitRecord[] = [];
  for (const resourceLogs of (request as JsonRequest).resourceLogs ?? []) {
    const resource: Resource = resourceFromAttributes(mapOf(resourceLogs.resource?.attributes) as Record<string, never>, { schemaUrl: resourceLogs.schemaUrl });
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      const scope: InstrumentationScope = { name: scopeLogs.scope?.name ?? '', version: scopeLogs.scope?.version, schemaUrl: scopeLogs.schemaUrl };
      for (const log of scopeLogs.logRecords ?? []) out.push(recordOf(log, resource, scope));
    }
  }
  return out;
}

function recordOf(log: JsonLogRecord, resource: Resource, scope: InstrumentationScope): LogkitRecord {
  const record: LogkitRecord = {
    hrTime: hrTimeOf(log.timeUnixNano),
    hrTimeObserved: hrTimeOf(log.observedTimeUnixNano ?? log.timeUnixNano),
    severityNumber: log.severityNumber,
    severityText: log.severityText,
    body: log.body === undefined ? undefined : valueOf(log.body),
    eventName: log.eventName,
    resource,
    instrumentationScope: scope,
    attributes: mapOf(log.attributes),
    droppedAttributesCount: log.droppedAttributesCount ?? 0,
  };
  if (log.traceId && log.spanId) record.spanContext = { traceId: log.traceId, spanId: log.spanId, traceFlags: log.flags ?? 0 };
  return record;
}

function hrTimeOf(nanos: string | number | undefined): HrTime {
  if (nanos === undefined) return [0, 0];
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

function mapOf(entries: JsonKeyValue[] | undefined): LogMap {
  const map: LogMap = {};
  for (const entry of entries ?? []) {
    if (typeof entry?.key !== 'string') throw new TypeError('an attribute without a key');
    setMapEntry(map, entry.key, entry.value === undefined ? undefined : valueOf(entry.value));
  }
  return map;
}

function valueOf(value: JsonAnyValue): LogValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = BigInt(value.intValue);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return new Uint8Array(Buffer.from(value.bytesValue, 'base64'));
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue !== undefined) return mapOf(value.kvlistValue.values);
  return null;
}
