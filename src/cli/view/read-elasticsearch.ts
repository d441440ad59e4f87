import { CORRELATION_ATTRIBUTES } from '../../core/attributes.js';
import { LogkitError } from '../../core/errors.js';
import { joinPath } from '../../../exporters/delivery/transport.js';
import type { HttpSettings } from '../../../exporters/delivery/settings.js';
import { answerText, httpCall } from '../http-client.js';
import { isoToNanos, toEntry, type TimelineEntry } from './entry.js';
import { readPaged, type ReadResult } from './source.js';

/** Elasticsearch's and OpenSearch's default `index.max_result_window`. */
const MAX_PAGE = 10_000;

interface Hit {
  _index: string;
  _id: string;
  _source?: Record<string, unknown>;
  sort?: unknown[];
}

export interface ElasticsearchReadOptions {
  /** Index, alias, data stream or pattern; `logs-*` covers both document layouts' default data streams. */
  index: string;
  sinceMs: number;
  limit: number;
}

/**
 * The records of one correlation id in Elasticsearch or OpenSearch: `_search` sorted by `@timestamp`,
 * paged with `search_after`, over both layouts our document mapper writes — `attributes.correlation.global_id`
 * (otel) and `correlation.global_id` (ecs). `match_phrase` works whether the field was mapped as a keyword
 * (our template, Elasticsearch's otel templates) or as text (dynamic mapping); the exact id is then
 * checked here, since a phrase may match inside a longer value.
 */
export async function readFromElasticsearch(endpoint: URL, http: HttpSettings, correlationId: string, options: ElasticsearchReadOptions): Promise<ReadResult> {
  const base = new URL(endpoint.href);
  base.search = ''; // the endpoint's query is for `_bulk` (`?pipeline=`); `_search` refuses parameters it does not know
  const id = CORRELATION_ATTRIBUTES.globalId;
  const query = {
    bool: {
      filter: [{ range: { '@timestamp': { gte: `now-${Math.ceil(options.sinceMs / 1000)}s` } } }],
      should: [{ match_phrase: { [`attributes.${id}`]: correlationId } }, { match_phrase: { [id]: correlationId } }],
      minimum_should_match: 1,
    },
  };
  const url = joinPath(base, `/${encodeURIComponent(options.index).replace(/%2C/gi, ',').replace(/%2A/gi, '*')}/_search?ignore_unavailable=true&allow_no_indices=true`);
  const { items, notes } = await readPaged<Hit>(
    async (from, size) => {
      const body = {
        query,
        size,
        // Milliseconds (exact in a JSON number) for date and date_nanos fields alike.
        sort: [{ '@timestamp': { order: 'asc', numeric_type: 'date' } }],
        ...(from !== undefined ? { search_after: [Number(from) - 1] } : {}),
      };
      const answer = await httpCall(url, http, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (answer.status !== 200) throw new LogkitError('LOGKIT_EXPORT_FAILED', `${options.index}/_search answered ${answer.status}: ${answerText(answer)}`);
      const hits = (JSON.parse(answer.body.toString('utf8')) as { hits?: { hits?: Hit[] } }).hits?.hits ?? [];
      const last = hits.at(-1)?.sort?.[0];
      return { items: hits, last: typeof last === 'number' ? BigInt(last) : undefined };
    },
    (hit) => `${hit._index}\u0000${hit._id}`,
    { pageSize: Math.min(1000, options.limit), maxPageSize: MAX_PAGE, limit: options.limit },
  );
  const entries: TimelineEntry[] = [];
  for (const hit of items) {
    const entry = toTimelineEntry(hit._source ?? {});
    if (entry !== undefined && entry.globalId === correlationId) entries.push(entry.entry);
  }
  return { entries, notes };
}

/** Reads a document of either layout: `otel` keeps attributes under `attributes` and `resource.attributes`, `ecs` at the top level. */
function toTimelineEntry(source: Record<string, unknown>): { entry: TimelineEntry; globalId?: string } | undefined {
  const flat: Record<string, string> = Object.create(null);
  flatten(source, '', flat, 0);
  const otel = Object.keys(flat).some((key) => key.startsWith('attributes.') || key.startsWith('resource.attributes.'));
  const get = otel ? (key: string) => flat[`attributes.${key}`] ?? flat[`resource.attributes.${key}`] : (key: string) => flat[ECS_NAMES[key] ?? key] ?? flat[key];
  const time = isoToNanos(flat['@timestamp'] ?? '');
  if (time === undefined) return undefined;
  const rest: Record<string, string> = Object.create(null);
  const prefix = otel ? 'attributes.' : '';
  const skip = otel ? OTEL_FIELDS : ECS_FIELDS;
  for (const key of Object.keys(flat)) {
    if (!key.startsWith(prefix) || skip.has(key) || (otel && key.startsWith('resource.'))) continue;
    rest[key.slice(prefix.length)] = flat[key];
  }
  const severityNumber = Number(otel ? flat.severity_number : flat['event.severity']);
  const entry = toEntry(
    {
      time,
      severityNumber: Number.isInteger(severityNumber) ? severityNumber : undefined,
      severity: otel ? flat.severity_text : flat['log.level'],
      body: (otel ? flat['body.text'] ?? structuredBody(source) : flat.message) ?? '',
      traceId: otel ? flat.trace_id : flat['trace.id'],
      spanId: otel ? flat.span_id : flat['span.id'],
    },
    get,
    rest,
  );
  return { entry, globalId: get(CORRELATION_ATTRIBUTES.globalId) };
}

/** The attributes the ECS layout renames (exporters/elasticsearch/document.ts) that the timeline reads. */
const ECS_NAMES: Readonly<Record<string, string>> = { 'service.instance.id': 'service.node.name' };

/** Top-level fields of each layout that are the record's own, not attributes worth listing. */
const OTEL_FIELDS = new Set(['@timestamp', 'observed_timestamp', 'severity_number', 'severity_text', 'trace_id', 'span_id']);
const ECS_FIELDS = new Set([
  '@timestamp',
  'event.severity',
  'log.level',
  'log.logger',
  'message',
  'trace.id',
  'span.id',
  'agent.name',
  'agent.version',
  'data_stream.type',
  'data_stream.dataset',
  'data_stream.namespace',
]);

function structuredBody(source: Record<string, unknown>): string | undefined {
  const body = source.body as { structured?: unknown } | undefined;
  return body?.structured === undefined ? undefined : JSON.stringify(body.structured);
}

/** `{a: {b: 1}, "c.d": "x"}` → `a.b=1`, `c.d=x`: dotted and nested keys read alike, arrays and leaves as text. */
function flatten(value: unknown, prefix: string, out: Record<string, string>, depth: number): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 32) {
    for (const key of Object.keys(value)) flatten((value as Record<string, unknown>)[key], prefix === '' ? key : `${prefix}.${key}`, out, depth + 1);
    return;
  }
  if (prefix === '' || value === null || value === undefined) return;
  out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
}
