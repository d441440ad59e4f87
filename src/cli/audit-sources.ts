import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_CHAIN_ATTRIBUTES } from '../core/audit-record.js';
import { type AuditContent, severityTextOf } from '../../processors/audit/index.js';
import type { StoredAuditEntry } from './audit-verify.js';

/**
 * Readers of a stored audit stream, one per place `audit verify` reads from. Each rebuilds the hashed
 * content (processors/audit/canonical.ts) from what the store kept: the file output's OTLP JSON, a Loki
 * JSON line (`OTEL_LOGKIT_LOKI_LINE_FORMAT=json`), an Elasticsearch/OpenSearch document (`otel` mapping).
 */

/** A body as the content has it, from its JSON form: structure kept, anything else as text. */
function bodyFromJson(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function entryOf(where: string, content: Omit<AuditContent, 'attributes'>, attributes: Record<string, unknown>): StoredAuditEntry {
  const hash = attributes[AUDIT_CHAIN_ATTRIBUTES.hash];
  const own: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(attributes)) if (key !== AUDIT_CHAIN_ATTRIBUTES.hash) own[key] = attributes[key];
  const full: AuditContent = { ...content, attributes: own };
  if (full.event_name === undefined || full.event_name === '') delete full.event_name;
  return { where, content: full, hash: typeof hash === 'string' ? hash : undefined };
}

function isAuditAttributes(attributes: Record<string, unknown>): boolean {
  return typeof attributes[AUDIT_CHAIN_ATTRIBUTES.stream] === 'string';
}

// ---- the file output: OTLP JSON lines ----

type AnyValueJson = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number | string; bytesValue?: string; arrayValue?: { values?: AnyValueJson[] }; kvlistValue?: { values?: KeyValueJson[] } };
type KeyValueJson = { key: string; value?: AnyValueJson };

/** An OTLP/JSON AnyValue as the JSON the content holds (int64 beyond 2^53 stays a decimal string). */
function fromAnyValue(value: AnyValueJson | undefined): unknown {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return typeof value.doubleValue === 'number' ? value.doubleValue : String(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(fromAnyValue);
  if (value.kvlistValue !== undefined) return fromKeyValues(value.kvlistValue.values);
  return null;
}

function fromKeyValues(values: KeyValueJson[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const { key, value } of values ?? []) out[key] = fromAnyValue(value);
  return out;
}

/** The audit entries of a file exporter's output: one `.jsonl` file, or every one in a directory. */
export async function readAuditFile(path: string): Promise<StoredAuditEntry[]> {
  const files = (await stat(path)).isDirectory() ? (await readdir(path)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(path, f)) : [path];
  const out: StoredAuditEntry[] = [];
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const request = JSON.parse(line) as { resourceLogs?: { scopeLogs?: { scope?: { name?: string }; logRecords?: Record<string, unknown>[] }[] }[] };
      for (const resourceLogs of request.resourceLogs ?? []) {
        for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
          for (const r of scopeLogs.logRecords ?? []) {
            const attributes = fromKeyValues(r.attributes as KeyValueJson[]);
            if (!isAuditAttributes(attributes)) continue;
            const time = String(r.timeUnixNano ?? '0');
            out.push(
              entryOf(
                `${file}:${i + 1}`,
                {
                  time_unix_nano: time === '0' ? String(r.observedTimeUnixNano ?? '0') : time,
                  severity: severityTextOf(r.severityText as string | undefined, r.severityNumber as number | undefined),
                  scope: scopeLogs.scope?.name ?? '',
                  event_name: r.eventName as string | undefined,
                  body: bodyFromJson(fromAnyValue(r.body as AnyValueJson | undefined)),
                },
                attributes,
              ),
            );
          }
        }
      }
    });
  }
  return out;
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
export async function readAuditLoki(base: URL, options: LokiReadOptions): Promise<StoredAuditEntry[]> {
  const out: StoredAuditEntry[] = [];
  const end = BigInt(Date.now()) * 1_000_000n;
  let start = end - BigInt(options.sinceMs) * 1_000_000n;
  const limit = 5000;
  for (;;) {
    const url = new URL('/loki/api/v1/query_range', base);
    url.search = new URLSearchParams({ query: options.query, start: String(start), end: String(end), limit: String(limit), direction: 'forward' }).toString();
    const response = await (options.fetch ?? fetch)(url);
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
          throw new Error('the Loki stream holds text lines: audit verification reads the JSON line (set OTEL_LOGKIT_LOKI_LINE_FORMAT=json)');
        }
        const attributes: Record<string, unknown> = Object.create(null);
        for (const key of Object.keys(parsed)) if (!LOKI_LINE_FIELDS.has(key)) attributes[key] = parsed[key];
        if (!isAuditAttributes(attributes)) continue;
        out.push(
          entryOf(
            `loki ${ts}`,
            {
              time_unix_nano: ts,
              severity: severityTextOf(parsed.severity as string | undefined, undefined),
              scope: typeof parsed.scope === 'string' ? parsed.scope : '',
              event_name: parsed.event_name as string | undefined,
              body: bodyFromJson(parsed.body),
            },
            attributes,
          ),
        );
      }
    }
    if (count < limit) return out;
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
export async function readAuditSearch(base: URL, options: SearchReadOptions): Promise<StoredAuditEntry[]> {
  const doFetch = options.fetch ?? fetch;
  const post = async (path: string, body: unknown) => {
    const response = await doFetch(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json', ...options.headers }, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${base.origin} answered ${response.status} to ${path}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { _scroll_id?: string; hits: { hits: { _index: string; _id: string; _source: Record<string, unknown> }[] } };
  };
  const out: StoredAuditEntry[] = [];
  let page = await post(`/${encodeURIComponent(options.index)}/_search?scroll=1m`, { size: 1000, sort: ['_doc'], query: { exists: { field: `attributes.${AUDIT_CHAIN_ATTRIBUTES.stream}` } } });
  for (;;) {
    for (const hit of page.hits.hits) {
      const doc = hit._source;
      const attributes = (doc.attributes ?? {}) as Record<string, unknown>;
      if (!isAuditAttributes(attributes)) continue;
      const body = doc.body as { text?: string; structured?: unknown } | undefined;
      out.push(
        entryOf(
          `${hit._index}/${hit._id}`,
          {
            time_unix_nano: isoToNanos(String(doc['@timestamp'])),
            severity: severityTextOf(doc.severity_text as string | undefined, doc.severity_number as number | undefined),
            scope: ((doc.scope ?? {}) as { name?: string }).name ?? '',
            event_name: doc.event_name as string | undefined,
            body: body === undefined ? '' : body.structured !== undefined ? body.structured : (body.text ?? ''),
          },
          attributes,
        ),
      );
    }
    if (page.hits.hits.length === 0 || page._scroll_id === undefined) break;
    page = await post('/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
  }
  return out;
}
