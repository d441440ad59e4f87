import { createHash } from 'node:crypto';
import { AUDIT_CHAIN_ATTRIBUTES } from '../../src/core/audit-record.js';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import type { LogkitRecord, LogMap, LogValue } from '../../src/core/record.js';
import { recordTime, resourceAttributes, unixNanosString } from '../../src/core/record-fields.js';
import { severityName } from '../../src/core/severity.js';

/*
 * The canonical form of an audit record: what its `audit.hash` and a digest's signature cover. One
 * implementation for the stage (from the record it chains) and the verifier (from what a store gave
 * back): both build {@link AuditFields}, everything else here is computed from them. The README,
 * "Verifying the audit trail", documents the same rules for an independent implementation.
 *
 * Version 2 (current): typed values, and an attested envelope. Version 1 (trails written before):
 * untyped JSON values, no envelope; still verified under its own rules ({@link contentV1}).
 */

/** The canonical-form version the stage writes. */
export const CANONICAL_VERSION = 2;

/**
 * A value with its OTLP type, so that `5` (int), `5.0` (double), `"5"` (string), bytes and `true` all
 * hash differently: `{"s":…}` string, `{"b":…}` bool, `{"i":"<decimal>"}` int, `{"d":<number>|"NaN"|
 * "Infinity"|"-Infinity"}` double, `{"y":"<base64>"}` bytes, `{"a":[…]}` array, `{"m":{…}}` map,
 * `null` empty.
 */
export type Typed = null | { s: string } | { b: boolean } | { i: string } | { d: number | string } | { y: string } | { a: Typed[] } | { m: TypedMap };
export type TypedMap = { [key: string]: Typed };

/** A record value with its type, as the OTLP encoders type it (exporters/codec/encode-json.ts). */
export function typedOf(value: LogValue): Typed {
  switch (typeof value) {
    case 'string':
      return { s: value };
    case 'boolean':
      return { b: value };
    case 'number':
      if (Number.isSafeInteger(value)) return { i: String(value) };
      return { d: Number.isFinite(value) ? value : String(value) };
    case 'bigint':
      return BigInt.asIntN(64, value) === value ? { i: value.toString() } : { s: value.toString() };
    case 'undefined':
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return { y: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof OtlpDouble) return { d: value.value };
  if (Array.isArray(value)) return { a: value.map(typedOf) };
  return { m: typedMapOf(value) };
}

export function typedMapOf(map: LogMap | Readonly<Record<string, unknown>>): TypedMap {
  const out: TypedMap = Object.create(null);
  for (const key of Object.keys(map)) out[key] = typedOf(map[key] as LogValue);
  return out;
}

/** A value from a JSON store (Loki line, Elasticsearch document), typed as the stage typed it: integers are ints. */
export function typedOfJson(value: unknown): Typed {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { i: String(value) } : { d: value };
  if (Array.isArray(value)) return { a: value.map(typedOfJson) };
  if (typeof value === 'object') {
    const out: TypedMap = Object.create(null);
    for (const key of Object.keys(value)) out[key] = typedOfJson((value as Record<string, unknown>)[key]);
    return { m: out };
  }
  return typeof value === 'boolean' ? { b: value } : { s: String(value) };
}

/** The kind of a typed value (`s`, `i`, … ; `""` for empty). */
export function typeOf(value: Typed): string {
  return value === null ? '' : Object.keys(value)[0]!;
}

/** A typed value as plain JSON: the untyped form of version 1 (int64 beyond 2^53 as decimal strings). */
export function plainOf(value: Typed): unknown {
  if (value === null) return null;
  if ('a' in value) return value.a.map(plainOf);
  if ('m' in value) {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value.m)) out[key] = plainOf(value.m[key]!);
    return out;
  }
  if ('i' in value) {
    const n = Number(value.i);
    return Number.isSafeInteger(n) ? n : value.i;
  }
  return Object.values(value)[0];
}

/** A scalar body as one line of text (as Elasticsearch's `body.text` keeps it); structures stay typed. */
function bodyForHash(body: Typed): Typed {
  if (body !== null && ('a' in body || 'm' in body)) return body;
  const plain = plainOf(body);
  return { s: plain === null ? '' : typeof plain === 'string' ? plain : JSON.stringify(plain) };
}

/**
 * Everything an audit record's hash covers, as the stage sees the record or a reader finds it in a
 * store. A reader leaves a field undefined when its store does not keep it; the envelope attests it.
 */
export interface AuditFields {
  time_unix_nano: string;
  severity_text?: string;
  severity_number?: number;
  scope_name: string;
  event_name?: string;
  body: Typed;
  /** Every attribute, `audit.hash` included (it is left out of the hash). */
  attributes: TypedMap;
  observed_time_unix_nano?: string;
  scope_version?: string;
  trace_id?: string;
  span_id?: string;
  trace_flags?: number;
  resource?: TypedMap;
  /** The stage's cached {@link resourceHash} of `resource` (the resource is the same for every record of a process). */
  resource_hash?: string;
  /** False when the store keeps JSON kinds, not OTLP types (a body `5` and `"5"` look alike there). */
  typed?: boolean;
}

/**
 * The envelope (`audit.envelope`, a canonical JSON string): the fields not every store keeps, attested
 * inside the hashed attributes, so the hash covers them whichever store the auditor reads; where a
 * store keeps a field, the verifier holds it to the envelope.
 */
export interface AuditEnvelope {
  v: number;
  /** The chain (a random id given when the stream's chain started; `""` for a chain older than version 2). */
  chain: string;
  observed_time_unix_nano: string;
  severity_number: number;
  trace_id: string;
  span_id: string;
  trace_flags: number;
  scope_version: string;
  /** Lowercase hex SHA-256 of the canonical JSON of the typed resource attributes. */
  resource: string;
  /** The type of the body ({@link typeOf}); scalar bodies are hashed as text. */
  body_type: string;
}

export const ENVELOPE_ATTRIBUTE = 'audit.envelope';

/** The chain value before the first record of a stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a record as the stage chains it. */
export function fieldsOf(record: LogkitRecord, resource_hash?: string): AuditFields {
  const span = record.spanContext;
  return {
    time_unix_nano: unixNanosString(recordTime(record)),
    severity_text: record.severityText,
    severity_number: record.severityNumber,
    scope_name: record.instrumentationScope.name ?? '',
    event_name: record.eventName,
    body: typedOf(record.body),
    attributes: typedMapOf(record.attributes),
    observed_time_unix_nano: unixNanosString(record.hrTimeObserved),
    scope_version: record.instrumentationScope.version ?? '',
    trace_id: span?.traceId ?? '',
    span_id: span?.spanId ?? '',
    trace_flags: span?.traceFlags ?? 0,
    resource: resource_hash === undefined ? typedMapOf(resourceAttributes(record.resource) as Record<string, unknown>) : undefined,
    resource_hash,
  };
}

export function resourceHash(resource: TypedMap): string {
  return sha256(canonicalJson(resource));
}

/** What the envelope says for `fields`, each as the stage has it (a reader compares the ones its store kept). */
export function envelopeOf(fields: AuditFields, chain: string): AuditEnvelope {
  return {
    v: CANONICAL_VERSION,
    chain,
    observed_time_unix_nano: fields.observed_time_unix_nano ?? '',
    severity_number: fields.severity_number ?? 0,
    trace_id: fields.trace_id ?? '',
    span_id: fields.span_id ?? '',
    trace_flags: fields.trace_flags ?? 0,
    scope_version: fields.scope_version ?? '',
    resource: fields.resource_hash ?? resourceHash(fields.resource ?? Object.create(null)),
    body_type: typeOf(fields.body),
  };
}

/**
 * The differences between what a store kept and what the envelope attests (`[]`: none); fields the
 * store does not keep are not compared.
 */
export function envelopeMismatches(fields: AuditFields, envelope: AuditEnvelope): string[] {
  const kept = envelopeOf(fields, envelope.chain);
  const out: string[] = [];
  const compare = (name: keyof AuditEnvelope, present: boolean) => {
    if (present && kept[name] !== envelope[name]) out.push(`${name} is ${JSON.stringify(kept[name])}, the hash covers ${JSON.stringify(envelope[name])}`);
  };
  compare('observed_time_unix_nano', fields.observed_time_unix_nano !== undefined);
  compare('severity_number', fields.severity_number !== undefined);
  compare('trace_id', fields.trace_id !== undefined);
  compare('span_id', fields.span_id !== undefined);
  compare('trace_flags', fields.trace_flags !== undefined);
  compare('scope_version', fields.scope_version !== undefined);
  compare('resource', fields.resource !== undefined);
  compare('body_type', fields.typed === true);
  return out;
}

/** The envelope of stored attributes, when they carry a well-formed one. */
export function envelopeIn(attributes: TypedMap): AuditEnvelope | undefined {
  const value = attributes[ENVELOPE_ATTRIBUTE];
  if (value === null || value === undefined || !('s' in value)) return undefined;
  try {
    const parsed = JSON.parse(value.s) as AuditEnvelope;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.v === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Version 2: the object hashed (and, for a digest, signed), from the record's fields after
 * `audit.envelope` is set. `leaveOut` names the attributes not covered: `audit.hash` for a record,
 * `audit.digest.signature` as well for a digest.
 */
export function contentV2(fields: AuditFields, leaveOut: readonly string[] = [AUDIT_CHAIN_ATTRIBUTES.hash]): Record<string, unknown> {
  const attributes: TypedMap = Object.create(null);
  for (const key of Object.keys(fields.attributes)) if (!leaveOut.includes(key)) attributes[key] = fields.attributes[key]!;
  const content: Record<string, unknown> = {
    v: CANONICAL_VERSION,
    time_unix_nano: fields.time_unix_nano,
    severity: severityTextOf(fields.severity_text, fields.severity_number),
    scope: fields.scope_name,
    body: bodyForHash(fields.body),
    attributes,
  };
  if (fields.event_name) content.event_name = fields.event_name;
  return content;
}

/** Version 1 (trails written before typed values): untyped JSON, no envelope. */
export function contentV1(fields: AuditFields): Record<string, unknown> {
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(fields.attributes)) if (key !== AUDIT_CHAIN_ATTRIBUTES.hash) attributes[key] = plainOf(fields.attributes[key]!);
  const body = bodyForHash(fields.body);
  const content: Record<string, unknown> = {
    time_unix_nano: fields.time_unix_nano,
    severity: severityTextOf(fields.severity_text, fields.severity_number),
    scope: fields.scope_name,
    body: body !== null && 's' in body ? body.s : plainOf(body),
    attributes,
  };
  if (fields.event_name) content.event_name = fields.event_name;
  return content;
}

/** The severity as the content has it: the text, else the name of the number. */
export function severityTextOf(text: string | undefined, severityNumber: number | undefined): string {
  return text || severityName(severityNumber);
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

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The `audit.hash` of a record under the version its envelope names (version 1 without one). */
export function hashFields(fields: AuditFields): string {
  return sha256(canonicalJson(envelopeIn(fields.attributes) ? contentV2(fields) : contentV1(fields)));
}
