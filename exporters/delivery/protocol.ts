import type { IncomingHttpHeaders } from 'node:http';
import type { LogkitRecord } from '../../src/core/record.js';

/**
 * What makes one HTTP destination different from another: how a batch is encoded into a request,
 * and what the backend's answer means. Everything else — batching, queue, spool, retry, timeout,
 * dead-letter, TLS, keep-alive — is the shared delivery core, written once. (Vector splits every sink
 * the same way: config, encoder, request builder, service, response classification.)
 */
export interface Protocol {
  /** Short name used in stats and diagnostics, e.g. `otlp`, `loki`, `elasticsearch`. */
  readonly name: string;
  /** Turns one batch into one request. Bodies are final (already compressed); headers include Content-Type/-Encoding. */
  encode(records: readonly LogkitRecord[]): WireRequest;
  /**
   * Optional: builds the request from the batch already encoded as an OTLP protobuf
   * `ExportLogsServiceRequest` (what the spool holds), sparing a second encoding. Returns undefined
   * when this protocol cannot use it; `encode` is then called as usual. When it is used, `classify`
   * gets an empty `records` list: it classifies from the response alone, and the indices of a
   * `partial` verdict refer to the records in the order the request holds them.
   */
  encodeFromOtlp?(otlpProtobuf: Uint8Array): WireRequest | undefined;
  /** Classifies the backend's answer to the request built from `records` (network errors never get here: they are retried). */
  classify(response: WireResponse, records: readonly LogkitRecord[]): Verdict;
}

export interface WireRequest {
  /** Path and query relative to the destination's base URL, e.g. `/v1/logs`, `/loki/api/v1/push`, `/_bulk`. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * Optional: the body is not compressed yet; the core compresses it once, off the main thread
   * (libuv's pool), and sets Content-Encoding. The body must then be owned by the request.
   */
  compress?: 'gzip' | 'zstd';
}

export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * What to do with a batch after the backend answered.
 * - `ok`: delivered; `rejected` records (OTLP partial success) are counted and reported, not retried.
 * - `retry`: transient (429, 502-504, Loki rate limits); `retryAfterMs` honours `Retry-After`.
 * - `split`: too large (413); the core halves the batch and sends each half.
 * - `dead-letter`: permanent (other 4xx); the batch goes to the dead-letter directory with `reason`.
 * - `partial`: per-record results (Elasticsearch bulk items): the listed indices are retried or
 *   dead-lettered, every other record is acknowledged.
 */
export type Verdict =
  | { kind: 'ok'; rejected?: number; message?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'split'; reason: string }
  | { kind: 'dead-letter'; reason: string }
  | { kind: 'partial'; retry: readonly number[]; deadLetter: readonly { index: number; reason: string }[]; retryAfterMs?: number };
