import { ReasonCounter } from '../../src/core/stats.js';

/**
 * Why a batch was retried, refused, given up or dropped: a small, stable vocabulary that stats,
 * metrics (`reason` attribute), diagnostics and the dead-letter files share. Dashboards and tests
 * match on these codes; the human detail (the backend's own words) travels separately as a message.
 *
 * Answers of the backend:
 * - `rate_limited`: 429, or a bulk item refused with 429 (retried).
 * - `unavailable`: 502, 503, 504: a proxy or the backend is down or overloaded (retried).
 * - `server_error`: 500 and other 5xx (refused by default; Loki and Elasticsearch retry them).
 * - `timeout`: 408, or no complete answer within the timeout (retried).
 * - `too_large`: 413 (the batch is split; a single record still too large is refused).
 * - `refused`: any other status: the request is wrong and resending it cannot help.
 * - `timestamp_refused`: Loki refused entries for their timestamp (out of order, too old).
 * - `document_refused`: Elasticsearch refused a document (a mapping error, per bulk item).
 * - `bad_response`: a 2xx whose body cannot be trusted (unreadable bulk result; retried).
 *
 * Our side:
 * - `network`: the request could not be sent or its answer not read (DNS, TCP, TLS; retried).
 * - `send_error`: another transport failed to send (the file transport's disk, a custom transport).
 * - `encode_error`: the batch could not be encoded.
 * - `shutdown`: the stage was shutting down (a write after shutdown, a retry cut short).
 * - `queue_full`, `spool_full`, `spool_error`, `spool_corrupt`: records the queue or spool could not keep.
 * - `internal_error`: a bug of ours; diagnostics have the stack.
 */
export type DeliveryReason =
  | 'rate_limited'
  | 'unavailable'
  | 'server_error'
  | 'timeout'
  | 'too_large'
  | 'refused'
  | 'timestamp_refused'
  | 'document_refused'
  | 'bad_response'
  | 'network'
  | 'send_error'
  | 'encode_error'
  | 'shutdown'
  | 'queue_full'
  | 'spool_full'
  | 'spool_error'
  | 'spool_corrupt'
  | 'internal_error';

/** A {@link ReasonCounter} that accepts only delivery reasons, so a typo is a compile error, not a new metric. */
export class DeliveryReasonCounter extends ReasonCounter {
  override add(reason: DeliveryReason, n = 1): void {
    super.add(reason, n);
  }
}
