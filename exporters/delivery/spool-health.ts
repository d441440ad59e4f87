import { diag } from '@opentelemetry/api';
import type { DeliveryStats } from './delivery-stats.js';

/** The first retry after a spool error, and the longest wait between retries while it keeps failing. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/**
 * Whether the spool can be used right now. A disk that fails (ENOSPC, EIO, a directory removed under
 * us) is not a reason to stop delivering: every error is counted (`spool_errors`), said once per
 * episode, and the queue carries on from memory until the retry time, when the spool is tried again
 * (with a growing delay while it keeps failing). The first write that succeeds ends the episode.
 */
export class SpoolHealth {
  private failingSince: number | undefined;
  private retryAt = 0;
  private delayMs = FIRST_RETRY_MS;

  constructor(
    private readonly name: string,
    private readonly stats: DeliveryStats,
  ) {}

  get ok(): boolean {
    return this.failingSince === undefined;
  }

  /** True when the spool is healthy, or failing and due for another try. */
  mayTry(now: number): boolean {
    return this.failingSince === undefined || now >= this.retryAt;
  }

  failed(error: unknown, doing: string, now: number): void {
    this.stats.spoolErrors++;
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.delayMs = FIRST_RETRY_MS;
      diag.error(`otel-logkit: ${this.name}: the spool failed ${doing}; delivering from memory and trying the spool again in ${this.delayMs} ms`, error);
    } else {
      this.delayMs = Math.min(this.delayMs * 2, MAX_RETRY_MS);
    }
    this.retryAt = now + this.delayMs;
  }

  /**
   * Something that may have freed space happened (batches acknowledged, so segments deleted): try
   * again within the first retry delay instead of waiting out a long backoff.
   */
  retrySoon(now: number): void {
    if (this.failingSince !== undefined) this.retryAt = Math.min(this.retryAt, now + FIRST_RETRY_MS);
  }

  succeeded(now: number): void {
    if (this.failingSince === undefined) return;
    diag.info(`otel-logkit: ${this.name}: the spool works again after ${now - this.failingSince} ms`);
    this.failingSince = undefined;
  }
}
