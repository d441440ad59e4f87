import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { keptEncodingOf } from '../../src/core/record-encoding.js';
import { groupByResourceAndScope, type ResourceGroup } from './grouping.js';
import { ProtoWriter, takeBuffer, varintSize } from './proto-writer.js';

/**
 * The one OTLP protobuf encoder: `http/protobuf` bodies and the spool's destination-neutral frames.
 * Field numbers follow opentelemetry-proto `logs/v1/logs.proto` and `common/v1/common.proto`.
 * Resource and scope messages are encoded once per object and reused across batches.
 *
 * @example
 * const body = encodeOtlpProtobuf(batch); // an ExportLogsServiceRequest
 */
export function encodeOtlpProtobuf(records: readonly LogkitRecord[]): Buffer {
  return Buffer.from(encodeOtlpProtobufShared(records));
}

/**
 * The same bytes without the copy: a view into one reused buffer, valid only until the next call.
 * For callers that consume the bytes at once (compress them, write them to the spool).
 */
export function encodeOtlpProtobufShared(records: readonly LogkitRecord[]): Buffer {
  return writeExportRequest(groupByResourceAndScope(records), writeLogRecord);
}

/** Encoding is synchronous and single-threaded, so one growable buffer serves every batch. */
const shared = new ProtoWriter(256 * 1024);

/**
 * Writes an `ExportLogsServiceRequest` around grouped items into the shared buffer; `writeItem` writes
 * one `ScopeLogs.log_records` field (from a record, or by copying an already-encoded one).
 */
export function writeExportRequest<T>(groups: readonly ResourceGroup<T>[], writeItem: (w: ProtoWriter, item: T) => void): Buffer {
  const w = shared;
  w.reset();
  for (const group of groups) {
    const resourceLogs = w.begin(1, 3); // ExportLogsServiceRequest.resource_logs
    w.raw(encodedResource(group.resource));
    for (const { scope, records: items } of group.scopes) {
      const scopeLogs = w.begin(2, 3); // ResourceLogs.scope_logs
      w.raw(encodedScope(scope));
      for (const item of items) writeItem(w, item);
      if (scope.schemaUrl) w.string(3, scope.schemaUrl);
      w.end(scopeLogs);
    }
    if (group.resource.schemaUrl) w.string(3, group.resource.schemaUrl);
    w.end(resourceLogs);
  }
  return w.view();
}

/** How an already-encoded item (one `ScopeLogs.log_records` field) is measured and copied into place. */
export interface EncodedItems<T> {
  sizeOf(item: T): number;
  /** Copies the item's bytes into `out` at `at` (one copy). */
  copy(item: T, out: Buffer, at: number): void;
}

/**
 * The same `ExportLogsServiceRequest` as {@link writeExportRequest} around items already encoded,
 * written once into a pooled buffer of its exact size (give it back with `giveBuffer`): the sizes are
 * computed first, so each length prefix is written before its content and each record's bytes are
 * copied once, straight into the buffer that goes to compression, the socket and the spool.
 */
export function assembleExportRequest<T>(groups: readonly ResourceGroup<T>[], items: EncodedItems<T>): Buffer {
  const scopeSizes: number[] = [];
  const resourceSizes: number[] = [];
  let total = 0;
  for (const group of groups) {
    let resourceSize = encodedResource(group.resource).length + schemaUrlField(group.resource.schemaUrl).length;
    for (const { scope, records } of group.scopes) {
      let scopeSize = encodedScope(scope).length + schemaUrlField(scope.schemaUrl).length;
      for (const item of records) scopeSize += items.sizeOf(item);
      scopeSizes.push(scopeSize);
      resourceSize += 1 + varintSize(scopeSize) + scopeSize;
    }
    resourceSizes.push(resourceSize);
    total += 1 + varintSize(resourceSize) + resourceSize;
  }
  const out = takeBuffer(total).subarray(0, total);
  let at = 0;
  let nextScope = 0;
  groups.forEach((group, g) => {
    at = header(out, at, 1, resourceSizes[g]!); // ExportLogsServiceRequest.resource_logs
    at += encodedResource(group.resource).copy(out, at);
    for (const { scope, records } of group.scopes) {
      at = header(out, at, 2, scopeSizes[nextScope++]!); // ResourceLogs.scope_logs
      at += encodedScope(scope).copy(out, at);
      for (const item of records) {
        items.copy(item, out, at);
        at += items.sizeOf(item);
      }
      at += schemaUrlField(scope.schemaUrl).copy(out, at);
    }
    at += schemaUrlField(group.resource.schemaUrl).copy(out, at);
  });
  return out;
}

/** A length-delimited field's tag and length. */
function header(out: Buffer, at: number, field: number, length: number): number {
  out[at++] = (field << 3) | 2;
  while (length > 127) {
    out[at++] = (length & 127) | 128;
    length >>>= 7;
  }
  out[at++] = length;
  return at;
}

const NO_FIELD = Buffer.alloc(0);
const schemaUrlCache = new Map<string, Buffer>();

/** The `schema_url` field (3) of a ResourceLogs or ScopeLogs, empty when there is none. */
function schemaUrlField(url: string | undefined): Buffer {
  if (!url) return NO_FIELD;
  let bytes = schemaUrlCache.get(url);
  if (bytes === undefined) {
    const w = new ProtoWriter(url.length * 3 + 8);
    w.string(3, url);
    bytes = w.finish();
    if (schemaUrlCache.size < 64) schemaUrlCache.set(url, bytes);
  }
  return bytes;
}

const resourceCache = new WeakMap<Resource, Buffer>();
const scopeCache = new WeakMap<InstrumentationScope, Buffer>();

function encodedResource(resource: Resource): Buffer {
  let bytes = resourceCache.get(resource);
  if (!bytes) {
    const w = new ProtoWriter(1024);
    const m = w.begin(1, 2); // ResourceLogs.resource
    writeAttributes(w, 1, resource.attributes);
    w.end(m);
    bytes = w.finish();
    resourceCache.set(resource, bytes);
  }
  return bytes;
}

function encodedScope(scope: InstrumentationScope & { attributes?: Attributes }): Buffer {
  let bytes = scopeCache.get(scope);
  if (!bytes) {
    const w = new ProtoWriter(256);
    const m = w.begin(1, 2); // ScopeLogs.scope
    if (scope.name) w.string(1, scope.name);
    if (scope.version) w.string(2, scope.version);
    if (scope.attributes) writeAttributes(w, 3, scope.attributes);
    w.end(m);
    bytes = w.finish();
    scopeCache.set(scope, bytes);
  }
  return bytes;
}

/** One `ScopeLogs.log_records` field (tag, length, LogRecord message). */
export function writeLogRecord(w: ProtoWriter, record: LogkitRecord): void {
  const encoded = keptEncodingOf(record);
  if (encoded !== undefined) {
    w.raw(encoded);
    return;
  }
  const m = w.begin(2, 2); // ScopeLogs.log_records
  w.tag(1, 1); // time_unix_nano
  w.fixed64Time(record.hrTime);
  if (record.severityNumber) {
    w.tag(2, 0);
    w.varint(record.severityNumber);
  }
  if (record.severityText) w.string(3, record.severityText);
  if (record.body !== undefined) {
    const body = w.begin(5, 2);
    writeAnyValueFields(w, record.body);
    w.end(body);
  }
  writeAttributes(w, 6, record.attributes);
  if (record.droppedAttributesCount) {
    w.tag(7, 0);
    w.varint(record.droppedAttributesCount);
  }
  const span = record.spanContext;
  if (span) {
    if (span.traceFlags) {
      w.tag(8, 5);
      w.fixed32(span.traceFlags);
    }
    if (span.traceId) w.bytes(9, Buffer.from(span.traceId, 'hex'));
    if (span.spanId) w.bytes(10, Buffer.from(span.spanId, 'hex'));
  }
  w.tag(11, 1); // observed_time_unix_nano
  w.fixed64Time(record.hrTimeObserved);
  if (record.eventName) w.string(12, record.eventName);
  w.end(m);
}

function writeAttributes(w: ProtoWriter, field: number, map: LogMap | Attributes): void {
  // Object.keys, not for-in: for-in also walks the prototype chain and is slower on big (dictionary-mode) maps.
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const kv = w.begin(field, 1); // KeyValue
    // A map with many keys (ids as keys, a hostile body) would only churn the key cache.
    if (keys.length > 64) w.string(1, key);
    else w.raw(encodedKey(key));
    const value = w.begin(2, 1);
    writeAnyValueFields(w, (map as LogMap)[key]);
    w.end(value);
    w.end(kv);
  }
}

/** Attribute keys repeat across records; each is encoded once (field 1 of KeyValue, tag and length included). */
const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 4096;

function encodedKey(key: string): Buffer {
  let bytes = keyCache.get(key);
  if (!bytes) {
    const w = new ProtoWriter(key.length * 3 + 8);
    w.string(1, key);
    bytes = w.finish();
    // High-cardinality keys (ids used as keys) must not grow the cache without bound.
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(key, bytes);
  }
  return bytes;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The fields of one AnyValue. Integers are int_value when they are exact (safe integers, or bigint
 * within int64), otherwise double_value, as is a received double that is whole (OtlpDouble); a bigint beyond int64 is written as its decimal string
 * rather than silently wrapped. null/undefined leave the AnyValue empty, as the SDK does.
 */
function writeAnyValueFields(w: ProtoWriter, value: LogValue): void {
  switch (typeof value) {
    case 'string':
      w.string(1, value);
      return;
    case 'boolean':
      w.tag(2, 0);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        w.tag(3, 0);
        w.int64(value);
      } else {
        w.tag(4, 1);
        w.double(value);
      }
      return;
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) {
        w.tag(3, 0);
        w.int64(value);
      } else w.string(1, value.toString());
      return;
    default:
      break;
  }
  if (value === null || value === undefined) return;
  if (value instanceof Uint8Array) {
    w.bytes(7, value);
    return;
  }
  if (value instanceof OtlpDouble) {
    w.tag(4, 1);
    w.double(value.value);
    return;
  }
  if (Array.isArray(value)) {
    const array = w.begin(5, 2);
    for (const item of value) {
      const v = w.begin(1, 1);
      writeAnyValueFields(w, item);
      w.end(v);
    }
    w.end(array);
    return;
  }
  const kvlist = w.begin(6, 2);
  writeAttributes(w, 1, value);
  w.end(kvlist);
}
