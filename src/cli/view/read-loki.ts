import { CORRELATION_ATTRIBUTES } from '../../core/attributes.js';
import { LogkitError } from '../../core/errors.js';
import { joinPath } from '../../../exporters/delivery/transport.js';
import type { LokiConfig } from '../../../exporters/loki/config.js';
import { lokiLabelName } from '../../../exporters/loki/config.js';
import { lokiStreamSelector } from '../../../exporters/links.js';
import { answerText, httpCall } from '../http-client.js';
import { DEFERRAL_ATTRIBUTES } from '../../core/attributes.js';
import { nanosOf, toEntry, type TimelineEntry } from './entry.js';
import { readPaged, type ReadResult } from './source.js';

/** Loki's default `max_entries_limit_per_query`. */
const LOKI_MAX_LIMIT = 5000;

interface LokiAnswer {
  status?: string;
  data?: { resultType?: string; result?: { stream?: Record<string, string>; values?: [string, string, LokiEntryMeta?][] }[] };
}
interface LokiEntryMeta {
  structuredMetadata?: Record<string, string>;
  parsed?: Record<string, string>;
}
interface Found {
  ts: bigint;
  line: string;
  fields: Record<string, string>;
  key: string;
}

export interface LokiReadOptions {
  /** The window searched: `[now - sinceMs, now]`. */
  sinceMs: number;
  limit: number;
  /** A LogQL stream selector; by default one matching every stream of the configured labels. */
  selector?: string;
}

/**
 * The records of one correlation id in Loki: `query_range` (forward, paged) over the structured metadata
 * our exporter writes (`correlation_global_id`, `correlation_local_id`, `log_record_sequence`,
 * `logkit_deferred`), with the configured credentials, tenant and TLS. The stream labels give the
 * service and the level; the line is the body (or, with `OTEL_LOGKIT_LOKI_LINE_FORMAT=json`, the record).
 */
export async function readFromLoki(config: LokiConfig, correlationId: string, options: LokiReadOptions): Promise<ReadResult> {
  const selector = options.selector ?? lokiStreamSelector(config.labels);
  const query = `${selector} | ${lokiLabelName(CORRELATION_ATTRIBUTES.globalId)}=${JSON.stringify(correlationId)}`;
  const now = BigInt(Date.now()) * 1_000_000n;
  const start = now - BigInt(options.sinceMs) * 1_000_000n;
  const end = now + 60_000_000_000n; // a minute of clock skew between the writers and this machine
  const headers: Record<string, string> = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };
  if (config.tenant !== undefined) headers['X-Scope-OrgID'] = config.tenant;
  const { items, notes } = await readPaged<Found>(
    async (from, size) => {
      const params = new URLSearchParams({ query, start: String(from ?? start), end: String(end), limit: String(size), direction: 'forward' });
      const url = joinPath(config.endpoint, `/loki/api/v1/query_range?${params}`);
      const answer = await httpCall(url, config.http, { method: 'GET', headers });
      if (answer.status !== 200) throw new LogkitError('LOGKIT_EXPORT_FAILED', `loki query_range answered ${answer.status}: ${answerText(answer)}`);
      const found = entriesOf(JSON.parse(answer.body.toString('utf8')) as LokiAnswer);
      found.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
      return { items: found, last: found.at(-1)?.ts };
    },
    (found) => found.key,
    { pageSize: Math.min(1000, options.limit), maxPageSize: LOKI_MAX_LIMIT, limit: options.limit },
  );
  return { entries: items.map(toTimelineEntry), notes };
}

function entriesOf(answer: LokiAnswer): Found[] {
  const out: Found[] = [];
  for (const stream of answer.data?.result ?? []) {
    const labels = stream.stream ?? {};
    const labelKey = JSON.stringify(labels);
    for (const [ts, line, meta] of stream.values ?? []) {
      const time = nanosOf(ts);
      if (time === undefined || typeof line !== 'string') continue;
      // Without the categorize-labels flag (older Loki) the metadata comes folded into the labels.
      const fields = { ...labels, ...meta?.structuredMetadata, ...meta?.parsed };
      out.push({ ts: time, line, fields, key: `${ts}\u0000${labelKey}\u0000${JSON.stringify(meta ?? null)}\u0000${line}` });
    }
  }
  return out;
}

/** Fields read into the entry itself, by their Loki names; the rest are shown as details. */
const READ_FIELDS = new Set([
  ...[CORRELATION_ATTRIBUTES.globalId, CORRELATION_ATTRIBUTES.localId, CORRELATION_ATTRIBUTES.sequence, DEFERRAL_ATTRIBUTES.deferred, 'service.name', 'service.instance.id'].map(lokiLabelName),
  'level',
  'trace_id',
  'span_id',
]);

function toTimelineEntry(found: Found): TimelineEntry {
  const record = jsonLine(found.line);
  const get = (key: string): string | undefined => {
    const own = record?.[key];
    if (own !== undefined && own !== null) return typeof own === 'string' ? own : JSON.stringify(own);
    return found.fields[lokiLabelName(key)];
  };
  const rest: Record<string, string> = Object.create(null);
  for (const name of Object.keys(found.fields)) if (!READ_FIELDS.has(name)) rest[name] = found.fields[name];
  const body = record ? record.body : found.line;
  return toEntry(
    {
      time: found.ts,
      severity: (typeof record?.severity === 'string' ? record.severity : undefined) ?? found.fields.level,
      body: typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body),
      traceId: found.fields.trace_id,
      spanId: found.fields.span_id,
    },
    get,
    rest,
  );
}

/** The record of a JSON line (`OTEL_LOGKIT_LOKI_LINE_FORMAT=json`): an object with a severity and a body. */
function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{') || !line.includes('"severity"')) return undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'severity' in parsed && 'body' in parsed) return parsed as Record<string, unknown>;
  } catch {
    // a text body that only looks like JSON
  }
  return undefined;
}
