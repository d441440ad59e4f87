import type { Verdict, WireResponse } from './protocol.js';

/**
 * The one default meaning of an HTTP answer, which every protocol starts from and refines only where
 * its backend really differs (OTLP: partial success in a 2xx; Loki: timestamp refusals, 5xx retried;
 * Elasticsearch: per-item bulk results, 5xx retried).
 *
 * | status               | verdict       | reason         |
 * |----------------------|---------------|----------------|
 * | 2xx                  | `ok`          |                |
 * | 408                  | `retry`       | `timeout`      |
 * | 429                  | `retry`       | `rate_limited` |
 * | 502, 503, 504        | `retry`       | `unavailable`  |
 * | 413                  | `split`       | `too_large`    |
 * | 500, other 5xx       | `dead-letter` | `server_error` |
 * | anything else        | `dead-letter` | `refused`      |
 *
 * Retries honour `Retry-After`. The default follows the OTLP/HTTP spec, which names 429, 502, 503 and
 * 504 as the retryable answers: a bare 500 says the server failed on this request, and resending the
 * same bytes forever would hide a poison batch. Backends whose 500 is known to be transient (a Loki
 * ingester or an Elasticsearch node restarting) retry it as their documented refinement.
 *
 * `describe` turns a refusal's body into the message for diagnostics and the dead-letter file.
 *
 * @example
 * const verdict = classifyAnswer(response, lokiMessage);
 * if (verdict.kind === 'dead-letter' && /out of order/.test(verdict.message ?? '')) …
 */
export function classifyAnswer(response: WireResponse, describe: (response: WireResponse) => string = bodyText): Verdict {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const message = `${status}: ${describe(response)}`;
  switch (status) {
    case 408:
      return { kind: 'retry', reason: 'timeout', message, retryAfterMs: retryAfterMs(response) };
    case 429:
      return { kind: 'retry', reason: 'rate_limited', message, retryAfterMs: retryAfterMs(response) };
    case 502:
    case 503:
    case 504:
      return { kind: 'retry', reason: 'unavailable', message, retryAfterMs: retryAfterMs(response) };
    case 413:
      return { kind: 'split', reason: 'too_large', message };
    default:
      return { kind: 'dead-letter', reason: status >= 500 ? 'server_error' : 'refused', message };
  }
}

/**
 * The refinement Loki and Elasticsearch share: their 500s clear up by themselves (an ingester or a
 * node restarting, a shard moving), so every 5xx is retried rather than refused.
 */
export function retryingServerErrors(verdict: Verdict, response: WireResponse): Verdict {
  if (verdict.kind !== 'dead-letter' || verdict.reason !== 'server_error') return verdict;
  return { kind: 'retry', reason: 'server_error', message: verdict.message, retryAfterMs: retryAfterMs(response) };
}

/**
 * `Retry-After` as milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable, so the retry policy's own backoff applies.
 */
export function retryAfterMs(response: Pick<WireResponse, 'headers'>, now = Date.now()): number | undefined {
  const raw = response.headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The start of a body, printable, for diagnostics (a google.rpc.Status, a proxy's page, plain text). */
export function bodyText(response: WireResponse): string {
  const text = response.body.subarray(0, 500).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return text === '' ? '(empty body)' : text;
}
