/** EWMA weight of each new round-trip time, and how far above the mean counts as "the backend is slowing". */
const ALPHA = 0.4;
const DEVIATION_SCALE = 2.5;
/** On back-pressure the limit shrinks to this fraction (Vector's `decrease_ratio`). */
const DECREASE_RATIO = 0.9;

/**
 * Adaptive request concurrency, after Vector's ARC: how many requests a destination may have on the
 * wire right now, between 1 and `OTEL_LOGKIT_MAX_IN_FLIGHT`. Decided once per window of about one
 * round trip: additive increase (one more) when the window's requests went out with every slot in use
 * and came back in about the usual time; multiplicative decrease (×0.9) when any answer in it was a
 * 429, 502/503/504 or a timeout, or took well above the average (mean + 2.5 deviations). A backend
 * that slows down under load so gets fewer parallel requests before it starts refusing them; one that
 * keeps up gets the maximum. Fixed at the maximum when adaptive concurrency is off.
 *
 * @example
 * const arc = new AdaptiveConcurrency(8, true);
 * arc.observe(rttMs, answer.status === 503, inFlight >= arc.limit, Date.now());
 */
export class AdaptiveConcurrency {
  limit: number;
  private mean: number | undefined;
  private deviation = 0;
  private windowStart = 0;
  private pressed = false;
  private bound = false;

  constructor(
    private readonly max: number,
    private readonly adaptive: boolean,
  ) {
    this.limit = adaptive ? 1 : max;
  }

  /**
   * One answer (or failure) of a request. `backPressure`: the backend asked us to slow down (429, 503,
   * a timeout); `wasFull`: every slot was in use, so the limit was the bound.
   */
  observe(rttMs: number, backPressure: boolean, wasFull: boolean, now: number): void {
    if (!this.adaptive) return;
    const slow = this.mean !== undefined && rttMs > this.mean + DEVIATION_SCALE * Math.max(this.deviation, this.mean * 0.05);
    // Refused or timed-out requests say nothing about the usual round trip.
    if (!backPressure) {
      if (this.mean === undefined) this.mean = rttMs;
      else {
        this.deviation = (1 - ALPHA) * this.deviation + ALPHA * Math.abs(rttMs - this.mean);
        this.mean = (1 - ALPHA) * this.mean + ALPHA * rttMs;
      }
    }
    this.pressed ||= backPressure || slow;
    this.bound ||= wasFull;
    if (now - this.windowStart < (this.mean ?? 0)) return;
    if (this.pressed) this.limit = Math.max(1, Math.floor(this.limit * DECREASE_RATIO));
    else if (this.bound && this.limit < this.max) this.limit++;
    this.windowStart = now;
    this.pressed = false;
    this.bound = false;
  }
}
