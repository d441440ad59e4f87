import type { IncomingHttpHeaders } from 'node:http';
import type { LogkitRecord } from '../../src/core/record.js';
import type { DeliveryReason } from './reasons.js';

/**
 * What makes one HTTP destination different from another: how a batch is encoded into a request,
 * and what the backend's answer means. Everything else — batching, queue, spool, retry, timeout,
 * dead-letter, TLS, keep-alive — is the shared delivery core, written once. (Vector splits every sink
 * the same way: config, encoder, request builder, service, response classification.)
 */
export interface Protocol {
  /** Short name used in stats and diagnostics, e.g. `otlp`, `loki`, `elasticsearch`. */
  readonly name: string;
  /**
   * Turns one batch into one request. Leave the body uncompressed and set `compress`: the core
   * compresses it off the main thread. Headers include Content-Type.
   */
  encode(records: readonly LogkitRecord[]): WireRequest;
  /**
   * Optional: builds the request from the batch already encoded as an OTLP protobuf
   * `ExportLogsServiceRequest` (what the spool holds), sparing a second encoding. Returns undefined
   * when this protocol cannot use it; `encode` is then called as usual. When it is used, `classify`
   * gets an empty `records` list: it classifies from the response alone, and the indices of a
   * `partial` verdict refer to the records in the order the request holds them.
   */
  encodeFromOtlp?(otlpProtobuf: Uint8Array): WireRequest | undefined;
  /**
   * Optional: the key this destination partitions a batch by (Kafka: the message key). The core
   * splits each batch per key (keys in the order they first appear, records in batch order), calls
   * `encode` once per partition and sends the partitions together as one request's keyed `parts`; a
   * destination never frames its own parts. Undefined: the record goes in the partition without a key.
   */
  partitionKey?(record: LogkitRecord): string | undefined;
  /**
   * Classifies the backend's answer to the request built from `records` (network errors never get
   * here: they are retried). Start from `classifyAnswer` (classify.ts) and refine only what is the
   * protocol's own.
   */
  classify(response: WireResponse, records: readonly LogkitRecord[]): Verdict;
}

export interface WireRequest {
  /** Path and query relative to the destination's base URL, e.g. `/v1/logs`, `/loki/api/v1/push`, `/_bulk`. */
  path: string;
  /** POST unless said: deliveries always post; a destination's setup (an index template, a policy) may read or put. */
  method?: 'GET' | 'PUT' | 'POST';
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * The body is not compressed yet: the core compresses it once (retries reuse it), off the main
   * thread (libuv's pool), and sets Content-Encoding. The body must then be owned by the request.
   * Only a compression that is part of the format itself (Loki's snappy protobuf) stays in an encoder.
   */
  compress?: 'gzip' | 'zstd';
  /**
   * A partitioned batch (see `Protocol.partitionKey`): one body per key, which the transport sends as
   * one unit (Kafka: one message each); `body` is then empty.
   */
  parts?: readonly KeyedPart[];
}

/** One partition of a request: its key (none: the partition of records without one) and its body. */
export interface KeyedPart {
  key?: string;
  body: Uint8Array;
}

export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * What to do with a batch after the backend answered. `reason` is a stable code (stats, metrics, the
 * dead-letter file); `message` is the backend's own words, for diagnostics.
 * - `ok`: delivered; `rejected` records (OTLP partial success) are counted and reported, not retried.
 * - `retry`: transient (see classify.ts); `retryAfterMs` honours `Retry-After`.
 * - `split`: too large (413); the core halves the batch and sends each half.
 * - `dead-letter`: permanent; the batch goes to the dead-letter directory with its reason.
 * - `partial`: per-record results (Elasticsearch bulk items): the listed indices are retried (for
 *   `retryReason`) or dead-lettered, every other record is acknowledged.
 */
export type Verdict =
  | { kind: 'ok'; rejected?: number; message?: string }
  | { kind: 'retry'; reason: DeliveryReason; message?: string; retryAfterMs?: number }
  | { kind: 'split'; reason: DeliveryReason; message?: string }
  | { kind: 'dead-letter'; reason: DeliveryReason; message?: string }
  | {
      kind: 'partial';
      retry: readonly number[];
      retryReason?: DeliveryReason;
      deadLetter: readonly { index: number; reason: DeliveryReason; message?: string }[];
      retryAfterMs?: number;
    };
