import type { RateLimitRule } from './rules.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Keys remembered at once; past that the buckets start full again (a bound, not a policy). */
const MAX_KEYS = 10_000;

/**
 * Flood control: a token bucket per logger name and severity range, so one hot loop cannot fill the
 * pipeline while the other loggers keep flowing. Tokens refill continuously at `perSecond`, up to `burst`.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket[]>();
  private readonly perSecond: number;
  /** At least one, or a fractional rate would never let anything through. */
  private readonly burst: number;

  constructor(
    rule: RateLimitRule,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perSecond = rule.perSecond;
    this.burst = Math.max(1, rule.burst);
  }

  /** True when the record may pass; takes one token. */
  tryTake(logger: string, severity: number): boolean {
    let perRange = this.buckets.get(logger);
    if (perRange === undefined) {
      if (this.buckets.size >= MAX_KEYS) this.buckets.clear();
      perRange = [];
      this.buckets.set(logger, perRange);
    }
    const range = severity > 0 ? (severity - 1) >> 2 : 0;
    const now = this.now();
    let bucket = perRange[range];
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      perRange[range] = bucket;
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
