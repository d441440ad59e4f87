import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { LogkitError } from '../../src/core/errors.js';
import { receivedResource } from './received-resource.js';
import { readDouble } from '../../src/core/otlp-values.js';
import { setMapEntry, type LogkitRecord, type LogMap, type LogValue } from '../../src/core/record.js';

/** Hex trace and span ids, as OTLP/JSON writes them (not base64, unlike other bytes fields). */
const TRACE_ID = /^[0-9a-fA-F]{32}$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;
const NANOS = /^\d{1,20}$/;
const INT64 = /^-?\d{1,20}$/;

/**
 * Reads an OTLP/JSON `ExportLogsServiceRequest` (already parsed with `JSON.parse`) into records of the
 * same shape {@link OtlpProtobufDecoder} produces, so the collector treats both encodings alike. Input
 * comes from the network: every field is checked, and anything that is not OTLP throws a
 * `LOGKIT_OTLP_MALFORMED` error whose message names the offending path (`resourceLogs[0].scopeLogs[2]…`),
 * which the collector sends back with its 400. Nesting deeper than `maxDepth` is refused the same way
 * before it can exhaust the stack.
 *
 * @example
 * const records = new OtlpJsonDecoder(16).decode(JSON.parse(body));
 */
export class OtlpJsonDecoder {
  constructor(private readonly maxDepth = 32) {}

  decode(request: unknown): LogkitRecord[] {
    const out: LogkitRecord[] = [];
    const root = object(request, '$');
    const resourceLogs = optionalArray(root.resourceLogs, 'resourceLogs');
    resourceLogs.forEach((item, i) => {
      const path = `resourceLogs[${i}]`;
      const rl = object(item, path);
      const head = rl.resource === undefined ? {} : object(rl.resource, `${path}.resource`);
      const attributes = this.keyValues(head.attributes, `${path}.resource.attributes`, 1);
      const schemaUrl = optionalString(rl.schemaUrl, `${path}.schemaUrl`);
      const resource: Resource = receivedResource(attributes, schemaUrl);
      optionalArray(rl.scopeLogs, `${path}.scopeLogs`).forEach((scopeItem, j) => {
        const scopePath = `${path}.scopeLogs[${j}]`;
        const sl = object(scopeItem, scopePath);
        const scope = this.scope(sl, scopePath);
        optionalArray(sl.logRecords, `${scopePath}.logRecords`).forEach((logItem, k) => {
          out.push(this.record(logItem, `${scopePath}.logRecords[${k}]`, resource, scope));
        });
      });
    });
    return out;
  }

  private scope(sl: Record<string, unknown>, path: string): InstrumentationScope {
    const head = sl.scope === undefined ? {} : object(sl.scope, `${path}.scope`);
    const scope: InstrumentationScope & { attributes?: Attributes } = {
      name: optionalString(head.name, `${path}.scope.name`) ?? '',
      version: optionalString(head.version, `${path}.scope.version`),
      schemaUrl: optionalString(sl.schemaUrl, `${path}.schemaUrl`),
    };
    if (head.attributes !== undefined) scope.attributes = this.keyValues(head.attributes, `${path}.scope.attributes`, 1) as Attributes;
    return scope;
  }

  private record(item: unknown, path: string, resource: Resource, scope: InstrumentationScope): LogkitRecord {
    const log = object(item, path);
    const record: LogkitRecord = {
      hrTime: time(log.timeUnixNano, `${path}.timeUnixNano`),
      hrTimeObserved: time(log.observedTimeUnixNano, `${path}.observedTimeUnixNano`),
      resource,
      instrumentationScope: scope,
      attributes: this.keyValues(log.attributes, `${path}.attributes`, 1),
      droppedAttributesCount: log.droppedAttributesCount === undefined ? 0 : integer(log.droppedAttributesCount, `${path}.droppedAttributesCount`),
    };
    if (log.severityNumber !== undefined) record.severityNumber = integer(log.severityNumber, `${path}.severityNumber`);
    const severityText = optionalString(log.severityText, `${path}.severityText`);
    if (severityText !== undefined) record.severityText = severityText;
    const eventName = optionalString(log.eventName, `${path}.eventName`);
    if (eventName !== undefined) record.eventName = eventName;
    if (log.body !== undefined) record.body = this.anyValue(log.body, `${path}.body`, 1);
    const traceId = optionalString(log.traceId, `${path}.traceId`);
    const spanId = optionalString(log.spanId, `${path}.spanId`);
    if (traceId && spanId) {
      if (!TRACE_ID.test(traceId)) throw malformed(`${path}.traceId`, 'expected 32 hex digits');
      if (!SPAN_ID.test(spanId)) throw malformed(`${path}.spanId`, 'expected 16 hex digits');
      const flags = log.flags === undefined ? 0 : integer(log.flags, `${path}.flags`);
      record.spanContext = { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), traceFlags: flags & 0xff } satisfies SpanContext;
    }
    return record;
  }

  private keyValues(value: unknown, path: string, depth: number): LogMap {
    const out: LogMap = {};
    optionalArray(value, path).forEach((item, i) => {
      const kv = object(item, `${path}[${i}]`);
      if (typeof kv.key !== 'string') throw malformed(`${path}[${i}].key`, 'expected a string');
      setMapEntry(out, kv.key, kv.value === undefined ? null : this.anyValue(kv.value, `${path}[${i}].value`, depth));
    });
    return out;
  }

  private anyValue(value: unknown, path: string, depth: number): LogValue {
    if (depth > this.maxDepth) throw malformed(path, `nested deeper than ${this.maxDepth} levels`);
    const v = object(value, path);
    if ('stringValue' in v) {
      if (typeof v.stringValue !== 'string') throw malformed(`${path}.stringValue`, 'expected a string');
      return v.stringValue;
    }
    if ('boolValue' in v) {
      if (typeof v.boolValue !== 'boolean') throw malformed(`${path}.boolValue`, 'expected true or false');
      return v.boolValue;
    }
    if ('intValue' in v) return int64(v.intValue, `${path}.intValue`);
    if ('doubleValue' in v) {
      if (typeof v.doubleValue === 'number') return readDouble(v.doubleValue);
      if (v.doubleValue === 'NaN' || v.doubleValue === 'Infinity' || v.doubleValue === '-Infinity') return Number(v.doubleValue);
      throw malformed(`${path}.doubleValue`, 'expected a number');
    }
    if ('bytesValue' in v) {
      if (typeof v.bytesValue !== 'string') throw malformed(`${path}.bytesValue`, 'expected base64 text');
      return new Uint8Array(Buffer.from(v.bytesValue, 'base64'));
    }
    if ('arrayValue' in v) {
      const array = object(v.arrayValue, `${path}.arrayValue`);
      return optionalArray(array.values, `${path}.arrayValue.values`).map((item, i) => this.anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
    }
    if ('kvlistValue' in v) {
      const list = object(v.kvlistValue, `${path}.kvlistValue`);
      return this.keyValues(list.values, `${path}.kvlistValue.values`, depth + 1);
    }
    // An empty AnyValue is OTLP's way of saying "no value".
    return null;
  }
}

function malformed(path: string, problem: string): LogkitError {
  return new LogkitError('LOGKIT_OTLP_MALFORMED', `${path}: ${problem}`);
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path, 'expected an object');
  return value as Record<string, unknown>;
}

function optionalArray(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformed(path, 'expected an array');
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw malformed(path, 'expected a string');
  return value;
}

function integer(value: unknown, path: string): number {
  const n = typeof value === 'string' && INT64.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw malformed(path, 'expected a whole number');
  return n;
}

/** int64 comes back as a number when exact, else as a bigint, as from the protobuf decoder. */
function int64(value: unknown, path: string): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value !== 'string' || !INT64.test(value)) throw malformed(path, 'expected a whole number (a string for int64)');
  const big = BigInt(value);
  if (big !== BigInt.asIntN(64, big)) throw malformed(path, 'outside the int64 range');
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Nanoseconds since the epoch (a string, or a number when small enough) as an HrTime; absent is 0. */
function time(value: unknown, path: string): [number, number] {
  if (value === undefined || value === null) return [0, 0];
  let nanos: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) nanos = BigInt(value);
  else if (typeof value === 'string' && NANOS.test(value)) nanos = BigInt(value);
  else throw malformed(path, 'expected nanoseconds since the epoch as a string of digits');
  if (nanos >= 1n << 64n) throw malformed(path, 'outside the uint64 range');
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

/**
 * What {@link encodeOtlpJson} wrote (a dead-letter file's request, a line of the file exporter) back
 * into records, with the same checks as network input. Depth is bounded by the encoder's own limit
 * (`OTEL_LOGKIT_MAX_DEPTH` allows at most 1000).
 *
 * @example
 * const records = decodeOtlpJson(JSON.parse(readFileSync(file, 'utf8')).request);
 */
export function decodeOtlpJson(request: unknown): LogkitRecord[] {
  return new OtlpJsonDecoder(1000).decode(request);
}
