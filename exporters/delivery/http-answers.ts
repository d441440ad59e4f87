import type { WireResponse } from './protocol.js';

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
