import { createHash } from 'node:crypto';
import { CORRELATION_ATTRIBUTES } from '../../src/core/attributes.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { ReasonCounter } from '../../src/core/stats.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import type { DeliveryReason } from '../delivery/reasons.js';
import { classifyAnswer, retryingServerErrors } from '../delivery/classify.js';
import { toJsonValue } from '../../src/core/record-fields.js';
import { type ElasticsearchConfig, targetName } from './config.js';
import { createDocumentMapper, createDocumentWriter, type DocumentMapper, type DocumentWriter } from './document.js';
import { JsonBytes } from '../codec/transcode-json.js';
import { attributeOf, keptEncodingOf } from '../../src/core/record-encoding.js';

/** The record attribute (OTel semantic convention `log.record.uid`, set by enrichment) whose value becomes the document `_id`. */
const RECORD_UID_ATTRIBUTE = CORRELATION_ATTRIBUTES.uid;

/** What the per-item results of `_bulk` said, beyond delivered/refused (which the delivery core counts). */
export class BulkItemStats {
  /** `409` on `create`: the `_id` is already stored — a replay or a retry after a lost answer. Acknowledged. */
  duplicates = 0;
  /** Items retried alone (429 / 5xx per item). */
  retriedItems = 0;
  /** Items refused for good, by Elasticsearch error type (`mapper_parsing_exception`, …). */
  readonly refused = new ReasonCounter();

  read() {
    return { duplicates: this.duplicates, retried_items: this.retriedItems, refused: this.refused.toJSON() };
  }
}

/**
 * Elasticsearch/OpenSearch `_bulk` as a {@link Protocol}. Every document is a `create` with `_id` from
 * `log.record.uid`, so a retried or replayed batch never stores a record twice: the second `create`
 * answers 409, which means "already there". Answers start from the core's default classification
 * (classify.ts), refined where Elasticsearch differs: every 5xx is retried (a node restarting or a
 * shard relocating clears up by itself), and a 2xx carries per-item results that decide per record:
 * 429/5xx items are retried alone, mapping errors are dead-lettered (`document_refused`) with
 * Elasticsearch's reason. The body is handed to the core uncompressed; it gzips it off the main thread.
 */
export class ElasticsearchProtocol implements Protocol {
  readonly name = 'elasticsearch';
  readonly stats = new BulkItemStats();
  private readonly toDocument: DocumentMapper;
  private readonly writeDocument: DocumentWriter | undefined;
  private readonly action: string;
  /** Bulk bytes per record of the last batch: the next body is sized from it. */
  private bytesPerRecord = 2048;

  constructor(private readonly config: Pick<ElasticsearchConfig, 'mapping' | 'target' | 'compression'>) {
    this.toDocument = createDocumentMapper(config);
    this.writeDocument = createDocumentWriter(config);
    this.action = `{"create":{"_index":${JSON.stringify(targetName(config))},"_id":`;
  }

  encode(records: readonly LogkitRecord[]): WireRequest {
    // Written as bytes in one buffer; a record that still holds its OTLP bytes is transcoded from them.
    const out = new JsonBytes(records.length * this.bytesPerRecord + 256);
    for (const record of records) {
      out.text(`${this.action}${JSON.stringify(this.idOf(record))}}}\n`);
      const bytes = keptEncodingOf(record);
      if (bytes === undefined || this.writeDocument === undefined || !this.writeDocument(bytes, record, out)) out.text(this.toDocument(record));
      out.ascii('\n');
    }
    if (records.length > 0) this.bytesPerRecord = Math.ceil(out.pos / records.length);
    const request: WireRequest = { path: '/_bulk', headers: { 'Content-Type': 'application/x-ndjson' }, body: out.view() };
    if (this.config.compression !== 'none') request.compress = 'gzip';
    return request;
  }

  classify(response: WireResponse, records: readonly LogkitRecord[]): Verdict {
    const verdict = retryingServerErrors(classifyAnswer(response, errorText), response);
    return verdict.kind === 'ok' ? this.classifyItems(response, records) : verdict;
  }

  /** A 2xx `_bulk` answer: what happened to each document. */
  private classifyItems(response: WireResponse, records: readonly LogkitRecord[]): Verdict {
    let parsed: BulkResponse;
    try {
      parsed = JSON.parse(response.body.toString('utf8')) as BulkResponse;
    } catch {
      // Without item results we cannot know what was stored; `create` with fixed ids makes resending safe.
      return { kind: 'retry', reason: 'bad_response', message: 'elasticsearch answered 2xx with an unreadable bulk response' };
    }
    const items = parsed.items ?? [];
    if (items.length !== records.length) {
      return { kind: 'retry', reason: 'bad_response', message: `elasticsearch answered ${items.length} bulk items for ${records.length} documents` };
    }
    if (parsed.errors === false) return { kind: 'ok' };
    const retry: number[] = [];
    let retryReason: DeliveryReason = 'server_error';
    const deadLetter: { index: number; reason: DeliveryReason; message: string }[] = [];
    items.forEach((item, index) => {
      const result = item.create ?? item.index ?? Object.values(item)[0];
      const itemStatus = result?.status ?? 0;
      if (itemStatus >= 200 && itemStatus < 300) return;
      if (itemStatus === 409) {
        this.stats.duplicates++;
        return;
      }
      if (itemStatus === 429 || itemStatus >= 500) {
        this.stats.retriedItems++;
        if (itemStatus === 429) retryReason = 'rate_limited';
        retry.push(index);
        return;
      }
      const type = result?.error?.type ?? `status_${itemStatus}`;
      this.stats.refused.add(type);
      deadLetter.push({ index, reason: 'document_refused', message: `${itemStatus} ${type}: ${result?.error?.reason ?? 'no reason given'}` });
    });
    if (retry.length === 0 && deadLetter.length === 0) return { kind: 'ok' };
    return { kind: 'partial', retry, retryReason, deadLetter };
  }

  private idOf(record: LogkitRecord): string {
    // Read in place: a record that keeps its bytes is then written from them.
    const uid = attributeOf(record, RECORD_UID_ATTRIBUTE);
    if (typeof uid === 'string' && uid !== '') return uid;
    return contentId(record);
  }
}

interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string };
}
interface BulkResponse {
  errors?: boolean;
  items?: Record<string, BulkItemResult | undefined>[];
}

/** Elasticsearch errors are `{"error":{"type","reason"},"status"}`; keep the type and reason, short. */
function errorText(response: WireResponse): string {
  const text = response.body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { error?: { type?: string; reason?: string } | string };
    if (typeof parsed.error === 'string') return parsed.error.slice(0, 500);
    if (parsed.error) return `${parsed.error.type ?? 'error'}: ${parsed.error.reason ?? ''}`.slice(0, 500);
  } catch {
    // plain text (a proxy's page): shown as is
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text || '(empty body)';
}

/**
 * The `_id` of a record that has no `log.record.uid` (enrichment off): a digest of what the record is,
 * so a retry, a split or a replay from the spool (which rebuilds the record object) sends the same id.
 * Two records can only share it by being identical to the nanosecond, observed time included.
 */
function contentId(record: LogkitRecord): string {
  const span = record.spanContext;
  const content = [record.hrTime, record.hrTimeObserved, record.severityNumber, record.severityText, record.eventName, record.instrumentationScope.name, span?.traceId, span?.spanId, toJsonValue(record.body), toJsonValue(record.attributes)];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
}
