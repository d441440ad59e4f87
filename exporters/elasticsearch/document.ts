import type { Attributes } from '@opentelemetry/api';
import type protobuf from 'protobufjs/minimal.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import { severityName } from '../../src/core/severity.js';
import { isoNanos, recordTime, resourceAttributes, toJsonValue, toText } from '../../src/core/record-fields.js';
import { datasetName, type ElasticsearchConfig } from './config.js';
import { fixed64HrTime, JsonBytes, scanLogRecord } from '../codec/transcode-json.js';
import { plainKind, writePlainJson, writePlainMap } from '../codec/transcode-values.js';

/** Turns one record into the JSON text of the document stored in Elasticsearch/OpenSearch. */
export type DocumentMapper = (record: LogkitRecord) => string;

/**
 * Writes the document of a record that still holds its OTLP bytes straight from them into `out`;
 * false (`out` as it was) when the record must go through the {@link DocumentMapper}.
 */
export type DocumentWriter = (bytes: Uint8Array, record: LogkitRecord, out: JsonBytes) => boolean;

/**
 * The two layouts of the Collector's elasticsearch exporter:
 * - `otel`: the OTel data model kept as is — `attributes`, `resource.attributes`, `scope`, `body.text`
 *   or `body.structured` — for the `logs-*.otel-*` templates (ES 8.16+/9, `attributes` are passthrough
 *   objects so `correlation.global_id` is also queryable at the top level);
 * - `ecs`: Elastic Common Schema — `message`, `log.level`, `trace.id`, resource attributes renamed to
 *   their ECS names (`deployment.environment` → `service.environment`, …), record attributes at the
 *   top level — for the classic `logs-*-*` templates, Kibana's Logs UI and OpenSearch.
 *
 * The resource is most of a document's bytes and the same for every record of a process, so its JSON
 * is written once per resource and spliced into each document.
 */
export function createDocumentMapper(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>): DocumentMapper {
  const dataStream = config.target.kind === 'data-stream' ? { type: 'logs', dataset: datasetName(config), namespace: config.target.namespace } : undefined;
  return config.mapping === 'otel' ? (record) => otelDocument(record, dataStream) : (record) => ecsDocument(record, dataStream);
}

type DataStreamFields = { type: string; dataset: string; namespace: string } | undefined;

/** The `otel` layout written from record bytes (the ECS layout renames keys: it goes through the mapper). */
export function createDocumentWriter(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>): DocumentWriter | undefined {
  if (config.mapping !== 'otel') return undefined;
  const dataStream = config.target.kind === 'data-stream' ? `,"data_stream":${JSON.stringify({ type: 'logs', dataset: datasetName(config), namespace: config.target.namespace })}` : '';
  return (bytes, record, out) => {
    const mark = out.pos;
    if (writeOtelDocument(bytes, record, dataStream, out)) return true;
    out.pos = mark;
    return false;
  };
}

/** The text {@link otelDocument} gives for the decoded record, field for field. */
function writeOtelDocument(bytes: Uint8Array, record: LogkitRecord, dataStream: string, out: JsonBytes): boolean {
  const layout = scanLogRecord(bytes);
  if (layout === undefined) return false;
  const { reader } = layout;
  const time = fixed64HrTime(layout.time);
  const observed = fixed64HrTime(layout.observed);
  out.ascii(`{"@timestamp":"${isoNanosOfBurst(time[0] === 0 && time[1] === 0 ? observed : time)}","observed_timestamp":"${isoNanosOfBurst(observed)}"${dataStream}`);
  if (layout.severity !== undefined) out.ascii(`,"severity_number":${layout.severity}`);
  if (layout.severityText >= 0) {
    reader.pos = layout.severityText;
    const length = reader.uint32();
    out.ascii(',"severity_text":');
    if (!out.quoted(reader.buf, reader.pos, reader.pos + length)) return false;
  }
  if (layout.eventName >= 0) {
    reader.pos = layout.eventName;
    const length = reader.uint32();
    if (length > 0) {
      out.ascii(',"event_name":');
      if (!out.quoted(reader.buf, reader.pos, reader.pos + length)) return false;
    }
  }
  if (layout.traceId && layout.spanId) out.ascii(`,"trace_id":"${layout.traceId}","span_id":"${layout.spanId}"`);
  if (layout.body >= 0 && !writeBody(layout.reader, layout.body, out)) return false;
  out.ascii(',"attributes":');
  if (!writePlainMap(reader, layout.attributes, out, true)) return false;
  if (layout.dropped > 0) out.ascii(`,"dropped_attributes_count":${layout.dropped}`);
  out.text(`,"scope":${otelScopeJson(record.instrumentationScope)},"resource":${otelResource(record)}}`);
  return true;
}

let burstSecond = Number.NaN;
let burstPrefix = '';

/** isoNanos, its date and time formatted once per second: records come in bursts within one second. */
function isoNanosOfBurst(time: [number, number]): string {
  if (time[0] !== burstSecond) {
    burstPrefix = isoNanos([time[0], 0]).slice(0, 20);
    burstSecond = time[0];
  }
  return `${burstPrefix}${String(time[1]).padStart(9, '0')}Z`;
}

/** `"body":{"structured":…}` for a map or an array, else `{"text":…}` holding the value as text (toText). */
function writeBody(reader: protobuf.Reader, at: number, out: JsonBytes): boolean {
  reader.pos = at;
  const end = reader.uint32() + reader.pos;
  const start = reader.pos;
  const kind = plainKind(reader, end);
  reader.pos = start;
  if (kind === 'array' || kind === 'object') {
    out.ascii(',"body":{"structured":');
    if (!writePlainJson(reader, end, out, true)) return false;
  } else if (kind === 'null') {
    out.ascii(',"body":{"text":""');
  } else if (kind === 'string') {
    out.ascii(',"body":{"text":');
    if (!writePlainJson(reader, end, out, false)) return false;
  } else {
    // A number or a boolean: its JSON text, as a string.
    const text = new JsonBytes(32);
    if (!writePlainJson(reader, end, text, false)) return false;
    out.ascii(',"body":{"text":');
    if (!out.quoted(text.view(), 0, text.pos)) return false;
  }
  out.ascii('}');
  return true;
}

const otelScopes = new WeakMap<object, string>();

function otelScopeJson(scope: LogkitRecord['instrumentationScope']): string {
  let text = otelScopes.get(scope);
  if (text === undefined) otelScopes.set(scope, (text = JSON.stringify(scope.version ? { name: scope.name, version: scope.version } : { name: scope.name })));
  return text;
}

function otelResource(record: LogkitRecord): string {
  const attributes = resourceAttributes(record.resource);
  let resource = otelResourceJson.get(attributes);
  if (resource === undefined) otelResourceJson.set(attributes, (resource = JSON.stringify({ attributes: toJsonValue(attributes as unknown as LogMap) })));
  return resource;
}

const otelResourceJson = new WeakMap<Attributes, string>();

function otelDocument(record: LogkitRecord, dataStream: DataStreamFields): string {
  const doc: Record<string, unknown> = Object.create(null);
  doc['@timestamp'] = isoNanos(recordTime(record));
  doc.observed_timestamp = isoNanos(record.hrTimeObserved);
  if (dataStream) doc.data_stream = dataStream;
  if (record.severityNumber !== undefined) doc.severity_number = record.severityNumber;
  if (record.severityText !== undefined) doc.severity_text = record.severityText;
  if (record.eventName) doc.event_name = record.eventName;
  if (record.spanContext) {
    doc.trace_id = record.spanContext.traceId;
    doc.span_id = record.spanContext.spanId;
  }
  if (record.body !== undefined) {
    const body = record.body;
    doc.body = body !== null && typeof body === 'object' && !(body instanceof Uint8Array) && !(body instanceof OtlpDouble) ? { structured: mappableJson(body) } : { text: toText(body) };
  }
  doc.attributes = mappableJson(record.attributes);
  if (record.droppedAttributesCount > 0) doc.dropped_attributes_count = record.droppedAttributesCount;
  const scope = record.instrumentationScope;
  doc.scope = scope.version ? { name: scope.name, version: scope.version } : { name: scope.name };
  const json = JSON.stringify(doc);
  return `${json.slice(0, -1)},"resource":${otelResource(record)}}`;
}

/** OTel resource attribute → ECS field, where the names differ (the rest keep their OTel names, as in the Collector). */
const ECS_RESOURCE_FIELDS: Readonly<Record<string, string>> = {
  'service.instance.id': 'service.node.name',
  'deployment.environment': 'service.environment',
  'deployment.environment.name': 'service.environment',
  'telemetry.sdk.language': 'service.language.name',
  'telemetry.sdk.name': '',
  'telemetry.sdk.version': 'agent.version',
  'process.executable.name': 'process.title',
  'process.runtime.name': 'service.runtime.name',
  'process.runtime.version': 'service.runtime.version',
  'host.arch': 'host.architecture',
  'k8s.namespace.name': 'kubernetes.namespace',
  'k8s.node.name': 'kubernetes.node.name',
  'k8s.pod.name': 'kubernetes.pod.name',
  'k8s.pod.uid': 'kubernetes.pod.uid',
};

/** OTel record attribute → ECS field (exceptions). */
const ECS_RECORD_FIELDS: Readonly<Record<string, string>> = {
  'exception.message': 'error.message',
  'exception.stacktrace': 'error.stack_trace',
  'exception.type': 'error.type',
};

/** The resource under its ECS names, as a JSON fragment `"k":v,…` plus the set of its keys. */
interface EcsResource {
  fields: Record<string, unknown>;
  fragment: string;
}
const ecsResources = new WeakMap<Attributes, EcsResource>();

function ecsResource(attributes: Attributes): EcsResource {
  let resource = ecsResources.get(attributes);
  if (resource === undefined) {
    const fields: Record<string, unknown> = Object.create(null);
    const plain = toJsonValue(attributes as unknown as LogMap) as Record<string, unknown>;
    for (const key of Object.keys(plain)) {
      const field = ECS_RESOURCE_FIELDS[key] ?? key;
      if (field !== '' && plain[key] !== null) fields[field] = plain[key];
    }
    fields['agent.name'] = 'otel-logkit/nodejs';
    ecsResources.set(attributes, (resource = { fields, fragment: JSON.stringify(fields).slice(1, -1) }));
  }
  return resource;
}

/**
 * Dotted keys are written as they are: Elasticsearch and OpenSearch expand `service.name` into the
 * object path themselves, which spares us merging objects (and their conflicts) here. A record field
 * named like a resource field wins (the document is then written without the shared fragment, since
 * Elasticsearch refuses duplicate keys).
 */
function ecsDocument(record: LogkitRecord, dataStream: DataStreamFields): string {
  const resource = ecsResource(resourceAttributes(record.resource));
  const doc: Record<string, unknown> = Object.create(null);
  const attributes = mappableJson(record.attributes) as Record<string, unknown>;
  for (const key of Object.keys(attributes)) doc[ECS_RECORD_FIELDS[key] ?? key] = attributes[key];
  if (dataStream) {
    doc['data_stream.type'] = dataStream.type;
    doc['data_stream.dataset'] = dataStream.dataset;
    doc['data_stream.namespace'] = dataStream.namespace;
  }
  doc['@timestamp'] = isoNanos(recordTime(record));
  if (record.spanContext) {
    doc['trace.id'] = record.spanContext.traceId;
    doc['span.id'] = record.spanContext.spanId;
  }
  if (record.severityNumber !== undefined) doc['event.severity'] = record.severityNumber;
  doc['log.level'] = record.severityText ?? severityName(record.severityNumber).toLowerCase();
  if (record.instrumentationScope.name) doc['log.logger'] = record.instrumentationScope.name;
  if (record.eventName) doc['event.action'] = record.eventName;
  // ECS has one text field for the event; a structured body keeps its content as JSON text rather than being dropped.
  if (record.body !== undefined && record.body !== null) doc.message = toText(record.body);
  for (const key of Object.keys(doc)) {
    if (key in resource.fields) return JSON.stringify({ ...resource.fields, ...doc });
  }
  const json = JSON.stringify(doc);
  if (resource.fragment === '') return json;
  return json === '{}' ? `{${resource.fragment}}` : `{${resource.fragment},${json.slice(1)}`;
}

/**
 * Elasticsearch and OpenSearch map a field from the first value they see and refuse a document whose
 * array mixes kinds: `[1, "two", false]` answers `illegal_argument_exception: mapper [...] cannot be
 * changed from type [keyword] to [long]` and the whole record is dead-lettered (seen against a real
 * OpenSearch 2.19 in the e2e suite). OTLP arrays may mix kinds, so such an array is stored as the text
 * of each element instead: the record is kept, and so is every value's content.
 */
export function mappableJson(value: LogValue): unknown {
  return uniformArrays(toJsonValue(value));
}

function uniformArrays(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value)) {
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map)) map[key] = uniformArrays(map[key]);
    return map;
  }
  const items = value.map(uniformArrays);
  let kind: string | undefined;
  for (const item of items) {
    if (item === null) continue;
    const itemKind = Array.isArray(item) ? 'array' : typeof item;
    if (kind === undefined) kind = itemKind;
    else if (itemKind !== kind) return items.map((i) => (i === null || typeof i === 'string' ? i : JSON.stringify(i)));
  }
  return items;
}
