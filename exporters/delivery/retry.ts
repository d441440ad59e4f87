import type { RetrySettings } from './settings.js';

/**
 * When to try a batch again. Jitter (a random wait between half the initial backoff and the
 * exponential cap) spreads the retries of many processes after a backend outage instead of having
 * them all return at once.
 */
export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before attempt `attempt + 1` (attempt 0 is the first retry). `retryAfterMs` wins when given. */
  delayMs(attempt: number, retryAfterMs?: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.settings;
    if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), maxBackoffMs);
    const cap = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempt, 30));
    return Math.round(initialBackoffMs / 2 + this.random() * Math.max(0, cap - initialBackoffMs / 2));
  }

  /** True while a batch first tried at `startedAt` may still be retried (always, when it is spooled). */
  mayRetry(startedAt: number, now: number, durable: boolean): boolean {
    return durable || now - startedAt < this.settings.maxElapsedMs;
  }
}
