import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_CHAIN_ATTRIBUTES, LOG_TYPE_ATTRIBUTE } from '../core/audit-record.js';
import { type AuditFields, type Typed, type TypedMap, typedOfJson } from '../../processors/audit/index.js';
import type { StoredAuditEntry } from './audit-verify.js';

/**
 * Readers of a stored audit stream, one per place `audit verify` reads from. Each gives back what its
 * store kept of every audit record as {@link AuditFields} (processors/audit/canonical.ts), leaving out
 * what the store does not keep: the file output's OTLP JSON keeps everything, with types; an
 * Elasticsearch/OpenSearch document (`otel` mapping) all but the trace flags, as JSON; a Loki JSON line
 * (`OTEL_LOGKIT_LOKI_LINE_FORMAT=json`) the hashed content only. The envelope covers the rest.
 */

/** What a source gave back: the audit entries, the lines it could not read, and how many inputs it read. */
export interface AuditReadout {
  entries: StoredAuditEntry[];
  damaged: { where: string; message: string }[];
  /** Files, pages or queries read; 0 means the source held nothing to read. */
  inputs: number;
}

/** An audit record, a digest, an unknown `audit.*` kind, or anything carrying a chain: the verifier judges them all. */
function isAuditAttributes(attributes: TypedMap): boolean {
  const type = attributes[LOG_TYPE_ATTRIBUTE];
  const kind = type !== null && type !== undefined && 's' in type ? type.s : '';
  return kind === 'audit' || kind.startsWith('audit.') || attributes[AUDIT_CHAIN_ATTRIBUTES.stream] !== undefined;
}

function typedJsonMap(value: unknown): TypedMap {
  const typed = typedOfJson(value ?? {});
  return typed !== null && 'm' in typed ? typed.m : Object.create(null);
}

// ---- the file output: OTLP JSON lines ----

type AnyValueJson = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number | string; bytesValue?: string; arrayValue?: { values?: AnyValueJson[] }; kvlistValue?: { values?: KeyValueJson[] } };
type KeyValueJson = { key: string; value?: AnyValueJson };

/** An OTLP/JSON AnyValue with its type. */
function fromAnyValue(value: AnyValueJson | undefined, duplicates: string[]): Typed {
  if (value === undefined || value === null) return null;
  if (value.stringValue !== undefined) return { s: value.stringValue };
  if (value.boolValue !== undefined) return { b: value.boolValue };
  if (value.intValue !== undefined) return { i: BigInt(value.intValue).toString() };
  if (value.doubleValue !== undefined) return { d: value.doubleValue };
  if (value.bytesValue !== undefined) return { y: value.bytesValue };
  if (value.arrayValue !== undefined) return { a: (value.arrayValue.values ?? []).map((v) => fromAnyValue(v, duplicates)) };
  if (value.kvlistValue !== undefined) return { m: fromKeyValues(value.kvlistValue.values, duplicates) };
  return null;
}

/** A key/value list as a map; a key given twice is noted (a reader would show one copy, the hash covers the other). */
function fromKeyValues(values: KeyValueJson[] | undefined, duplicates: string[]): TypedMap {
  const out: TypedMap = Object.create(null);
  for (const { key, value } of values ?? []) {
    if (key in out) duplicates.push(key);
    out[key] = fromAnyValue(value, duplicates);
  }
  return out;
}

type OtlpRecordJson = Record<string, unknown> & { attributes?: KeyValueJson[]; body?: AnyValueJson };
type OtlpRequestJson = { resourceLogs?: { resource?: { attributes?: KeyValueJson[] }; scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: OtlpRecordJson[] }[] }[] };

function entriesOfRequest(request: OtlpRequestJson, where: string, out: StoredAuditEntry[]): void {
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resourceDuplicates: string[] = [];
    const resource = fromKeyValues(resourceLogs.resource?.attributes, resourceDuplicates);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const r of scopeLogs.logRecords ?? []) {
        const duplicates = resourceDuplicates.map((key) => `resource ${key}`);
        const attributes = fromKeyValues(r.attributes, duplicates);
        if (!isAuditAttributes(attributes)) continue;
        const time = String(r.timeUnixNano ?? '0');
        const fields: AuditFields = {
          time_unix_nano: time === '0' ? String(r.observedTimeUnixNano ?? '0') : time,
          observed_time_unix_nano: String(r.observedTimeUnixNano ?? '0'),
          severity_text: r.severityText as string | undefined,
          severity_number: (r.severityNumber as number | undefined) ?? 0,
          scope_name: scopeLogs.scope?.name ?? '',
          scope_version: scopeLogs.scope?.version ?? '',
          event_name: r.eventName as string | undefined,
          trace_id: String(r.traceId ?? '').toLowerCase(),
          span_id: String(r.spanId ?? '').toLowerCase(),
          trace_flags: Number(r.flags ?? 0) & 0xff,
          body: fromAnyValue(r.body, duplicates),
          attributes,
          resource,
          typed: true,
        };
        out.push({ where, fields, duplicates });
      }
    }
  }
}

/** The `.jsonl` files of a file exporter's output: the file itself, or every one in a directory. */
async function jsonlFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  return (await readdir(path)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(path, f));
}

/** The audit entries of a file exporter's output; a line that is not an OTLP JSON request is named, not fatal. */
export async function readAuditFile(path: string): Promise<AuditReadout> {
  const files = await jsonlFiles(path);
  const readout: AuditReadout = { entries: [], damaged: [], inputs: files.length };
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${file}:${i + 1}`;
      try {
        entriesOfRequest(JSON.parse(line) as OtlpRequestJson, where, readout.entries);
      } catch (error) {
        readout.damaged.push({ where, message: `not an OTLP JSON request (${(error as Error).message}): the records it held cannot be read` });
      }
    });
  }
  return readout;
}

// ---- Loki: LogQL over the JSON lines ----

/** Line keys that are record fields rather than attributes (exporters/loki/streams.ts `lineOf`). */
const LOKI_LINE_FIELDS = new Set(['severity', 'scope', 'event_name', 'body']);

export interface LokiReadOptions {
  query: string;
  sinceMs: number;
  fetch?: typeof fetch;
}

/** Reads forward through `query_range`, a page of 5000 entries at a time. */
export async function readAuditLoki(base: URL, options: LokiReadOptions): Promise<AuditReadout> {
  const readout: AuditReadout = { entries: [], damaged: [], inputs: 0 };
  const end = BigInt(Date.now()) * 1_000_000n;
  let start = end - BigInt(options.sinceMs) * 1_000_000n;
  const limit = 5000;
  for (;;) {
    const url = new URL('/loki/api/v1/query_range', base);
    url.search = new URLSearchParams({ query: options.query, start: String(start), end: String(end), limit: String(limit), direction: 'forward' }).toString();
    const response = await (options.fetch ?? fetch)(url);
    readout.inputs++;
    const text = await response.text();
    if (!response.ok) throw new Error(`Loki answered ${response.status} to ${url.pathname}: ${text.slice(0, 300)}`);
    const result = (JSON.parse(text) as { data: { result: { values: [string, string][] }[] } }).data.result;
    let count = 0;
    let last = start;
    for (const stream of result) {
      for (const [ts, line] of stream.values) {
        count++;
        if (BigInt(ts) > last) last = BigInt(ts);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          if (line.includes('audit.')) readout.damaged.push({ where: `loki ${ts}`, message: 'not a JSON line (audit verification reads OTEL_LOGKIT_LOKI_LINE_FORMAT=json)' });
          continue;
        }
        const plain: Record<string, unknown> = Object.create(null);
        for (const key of Object.keys(parsed)) if (!LOKI_LINE_FIELDS.has(key)) plain[key] = parsed[key];
        const attributes = typedJsonMap(plain);
        if (!isAuditAttributes(attributes)) continue;
        const fields: AuditFields = {
          time_unix_nano: ts,
          severity_text: typeof parsed.severity === 'string' ? parsed.severity : undefined,
          scope_name: typeof parsed.scope === 'string' ? parsed.scope : '',
          event_name: parsed.event_name as string | undefined,
          body: typedOfJson(parsed.body),
          attributes,
        };
        readout.entries.push({ where: `loki ${ts}`, fields });
      }
    }
    if (count < limit) return readout;
    start = last + 1n;
  }
}

// ---- Elasticsearch / OpenSearch: the search API ----

/** `@timestamp` (RFC 3339 with nanoseconds) back to nanoseconds since the epoch. */
function isoToNanos(iso: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!match) return iso;
  const seconds = BigInt(Date.parse(`${match[1]}Z`) / 1000);
  const nanos = BigInt((match[2] ?? '').padEnd(9, '0'));
  return String(seconds * 1_000_000_000n + nanos);
}

export interface SearchReadOptions {
  index: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** Every document with `attributes.audit.stream`, through a scroll of 1000 at a time. */
export async function readAuditSearch(base: URL, options: SearchReadOptions): Promise<AuditReadout> {
  const doFetch = options.fetch ?? fetch;
  const post = async (path: string, body: unknown) => {
    const response = await doFetch(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json', ...options.headers }, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${base.origin} answered ${response.status} to ${path}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { _scroll_id?: string; hits: { hits: { _index: string; _id: string; _source: Record<string, unknown> }[] } };
  };
  const readout: AuditReadout = { entries: [], damaged: [], inputs: 0 };
  const query = { bool: { should: [{ exists: { field: `attributes.${AUDIT_CHAIN_ATTRIBUTES.stream}` } }, { prefix: { [`attributes.${LOG_TYPE_ATTRIBUTE}`]: 'audit' } }] } };
  let page = await post(`/${encodeURIComponent(options.index)}/_search?scroll=1m`, { size: 1000, sort: ['_doc'], query });
  for (;;) {
    for (const hit of page.hits.hits) {
      const doc = hit._source;
      const attributes = typedJsonMap(doc.attributes);
      if (!isAuditAttributes(attributes)) continue;
      const body = doc.body as { text?: string; structured?: unknown } | undefined;
      const scope = (doc.scope ?? {}) as { name?: string; version?: string };
      const span = typeof doc.trace_id === 'string';
      const fields: AuditFields = {
        time_unix_nano: isoToNanos(String(doc['@timestamp'])),
        observed_time_unix_nano: typeof doc.observed_timestamp === 'string' ? isoToNanos(doc.observed_timestamp) : undefined,
        severity_text: doc.severity_text as string | undefined,
        severity_number: (doc.severity_number as number | undefined) ?? 0,
        scope_name: scope.name ?? '',
        scope_version: scope.version ?? '',
        event_name: doc.event_name as string | undefined,
        trace_id: span ? String(doc.trace_id) : '',
        span_id: span ? String(doc.span_id) : '',
        body: body === undefined ? { s: '' } : body.structured !== undefined ? typedOfJson(body.structured) : { s: body.text ?? '' },
        attributes,
        resource: typedJsonMap((doc.resource as { attributes?: unknown } | undefined)?.attributes),
      };
      readout.entries.push({ where: `${hit._index}/${hit._id}`, fields });
    }
    readout.inputs++;
    if (page.hits.hits.length === 0 || page._scroll_id === undefined) break;
    page = await post('/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
  }
  return readout;
}
