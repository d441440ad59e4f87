import { createHash } from 'node:crypto';
import { AUDIT_CHAIN_ATTRIBUTES } from '../../src/core/audit-record.js';
import type { LogkitRecord, LogValue } from '../../src/core/record.js';
import { recordTime, toJsonValue, toText, unixNanosString } from '../../src/core/record-fields.js';
import { severityName } from '../../src/core/severity.js';

/**
 * What an audit record's hash covers, in a form every store we write to gives back intact: the file
 * output (OTLP JSON), Loki (`OTEL_LOGKIT_LOKI_LINE_FORMAT=json`) and Elasticsearch/OpenSearch (`otel`
 * mapping). A third party recomputes it from any of them (README, "Verifying the audit trail").
 */
export interface AuditContent {
  /** The event time (else the observed time) in nanoseconds since the epoch, as a decimal string. */
  time_unix_nano: string;
  /** The severity text, else the name of the severity number (`INFO`, `UNSPECIFIED`). */
  severity: string;
  /** The instrumentation scope (logger) name; `""` when none. */
  scope: string;
  /** Present only when the record has an event name. */
  event_name?: string;
  /** A map or array as JSON; any other body as its text (absent: `""`). */
  body: unknown;
  /** Every attribute but `audit.hash`, as JSON. */
  attributes: Record<string, unknown>;
}

/** The chain value before the first record of a stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of a record after redaction, as the audit stage sees it. */
export function contentOf(record: LogkitRecord): AuditContent {
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(record.attributes)) {
    if (key !== AUDIT_CHAIN_ATTRIBUTES.hash) attributes[key] = toJsonValue(record.attributes[key]);
  }
  const content: AuditContent = {
    time_unix_nano: unixNanosString(recordTime(record)),
    severity: severityTextOf(record.severityText, record.severityNumber),
    scope: record.instrumentationScope.name ?? '',
    body: bodyOf(record.body),
    attributes,
  };
  if (record.eventName) content.event_name = record.eventName;
  return content;
}

/** The severity as the content has it; readers of stored records use the same rule. */
export function severityTextOf(text: string | undefined, severityNumber: number | undefined): string {
  return text || severityName(severityNumber);
}

/** Structured bodies keep their structure; anything else is its text, as Elasticsearch's `body.text` keeps it. */
export function bodyOf(body: LogValue): unknown {
  return body !== null && typeof body === 'object' && !(body instanceof Uint8Array) ? toJsonValue(body) : toText(body);
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (JavaScript's default sort), no whitespace,
 * strings and numbers written as `JSON.stringify` writes them, `undefined` members left out.
 * For the values a record can hold this is the JSON Canonicalization Scheme (RFC 8785).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const map = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(map).sort()) {
    if (map[key] !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(map[key])}`);
  }
  return `{${parts.join(',')}}`;
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of the canonical JSON of the content. */
export function hashContent(content: AuditContent): string {
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/**
 * `hashContent(contentOf(record))` without building the content first: the canonical JSON is written
 * straight from the record's values (the emit path's version; the verifier uses `hashContent`, and a
 * test holds the two equal).
 */
export function hashRecord(record: LogkitRecord): string {
  const attributes = record.attributes;
  const keys = Object.keys(attributes).sort();
  let json = '{"attributes":{';
  let first = true;
  for (const key of keys) {
    if (key === AUDIT_CHAIN_ATTRIBUTES.hash) continue;
    json += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalValue(attributes[key])}`;
    first = false;
  }
  const body = record.body;
  json += `},"body":${body !== null && typeof body === 'object' && !(body instanceof Uint8Array) ? canonicalValue(body) : JSON.stringify(toText(body))}`;
  if (record.eventName) json += `,"event_name":${JSON.stringify(record.eventName)}`;
  json += `,"scope":${JSON.stringify(record.instrumentationScope.name ?? '')},"severity":${JSON.stringify(severityTextOf(record.severityText, record.severityNumber))}`;
  json += `,"time_unix_nano":"${unixNanosString(recordTime(record))}"}`;
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** A record value in canonical JSON, by the rules of `toJsonValue` (record-fields.ts). */
function canonicalValue(value: LogValue): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : `"${String(value)}"`;
    case 'bigint':
    case 'undefined':
      return JSON.stringify(toJsonValue(value));
    default:
      break;
  }
  if (value === null) return 'null';
  if (value instanceof Uint8Array || Array.isArray(value)) return canonicalJson(toJsonValue(value));
  const keys = Object.keys(value).sort();
  let json = '{';
  for (let i = 0; i < keys.length; i++) json += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalValue(value[keys[i]!])}`;
  return `${json}}`;
}
