import { SeverityNumber } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/core/record.js';
import { unitOf } from './ratio-sampler.js';

/**
 * The ratios, per step of pressure: DEBUG (and TRACE) go down first, then INFO. The last step still
 * keeps one INFO record in 20 (at 10k INFO records/s, ~50 in every 100 ms), so no stretch of time
 * vanishes from the logs; shedding at the queue is for what sampling cannot hold back.
 */
const STEPS: readonly { readonly debug: number; readonly info: number }[] = [
  { debug: 1, info: 1 },
  { debug: 0.25, info: 1 },
  { debug: 0.05, info: 0.5 },
  { debug: 0.01, info: 0.2 },
  { debug: 0.01, info: 0.05 },
];

/**
 * The last step is reached halfway between the high-water mark and full: the pressure is up to
 * ~150 ms old (the worker reports every 100 ms), and at full rate a queue fills a lot in that time.
 */
const RAMP = 0.5;

/** A step down (towards full ratios) waits this long after the last change, so the ratios come back gradually as the queue drains. */
const STEP_DOWN_MS = 100;

/** The settings of adaptive sampling (`OTEL_LOGKIT_ADAPTIVE_SAMPLING*`). */
export interface AdaptiveSamplingConfig {
  enabled: boolean;
  /** The queue fill (0..1) above which ratios start to drop. */
  highWater: number;
}

/**
 * Lowers the ratios of the least severe records as the fullest destination queue fills past the
 * high-water mark, stepwise over the first half of the rest of the way to full, and raises them one step at a time as
 * it drains. Only records below WARN are ever sampled here.
 *
 * A record with a trace (else an execution) is kept when its trace's place in [0, 1) is below the
 * ratio (see `unitOf`), so a trace keeps all or none of its records at every step; the others are
 * kept evenly (every 1/ratio-th record of their band), so each stretch of time keeps its share.
 *
 * @example
 * const adaptive = new AdaptiveSampler(config, () => queueFill);
 * const ratio = adaptive.ratioFor(severity); // 1: no pressure
 * if (ratio < 1 && !adaptive.keep(record, ratio, staticRatio, globalId)) dropped('backpressure');
 */
export class AdaptiveSampler {
  private step = 0;
  private changedAt = 0;
  private readonly credit = { debug: 0, info: 0 };

  constructor(
    private readonly config: AdaptiveSamplingConfig,
    private readonly pressure: () => number,
  ) {}

  /** The adaptive ratio for a severity right now (1 for WARN and above, and without pressure). */
  ratioFor(severity: number): number {
    if (severity >= SeverityNumber.WARN) return 1;
    const step = this.currentStep();
    if (step === 0) return 1;
    return severity <= SeverityNumber.DEBUG4 ? STEPS[step]!.debug : STEPS[step]!.info;
  }

  /**
   * Decides a record already kept at `staticRatio` (a configured ratio, 1 if none) for an adaptive
   * `ratio` < 1; answers the record's overall ratio when kept, 0 when sampled out.
   */
  keep(record: LogkitRecord, severity: number, ratio: number, staticRatio: number, globalId: string | undefined): number {
    const unit = unitOf(record, globalId);
    if (unit !== undefined) return unit < ratio ? Math.min(ratio, staticRatio) : 0;
    const band = severity <= SeverityNumber.DEBUG4 ? 'debug' : 'info';
    const credit = this.credit[band] + ratio;
    if (credit < 1) {
      this.credit[band] = credit;
      return 0;
    }
    this.credit[band] = credit - 1;
    return ratio * staticRatio;
  }

  private currentStep(): number {
    const fill = this.pressure();
    const { highWater } = this.config;
    const last = STEPS.length - 1;
    const target = fill < highWater ? 0 : Math.min(last, 1 + Math.floor(((fill - highWater) / ((1 - highWater) * RAMP || 1)) * (last - 1)));
    if (target > this.step) {
      this.step = target;
      this.changedAt = Date.now();
    } else if (target < this.step) {
      const now = Date.now();
      if (now - this.changedAt >= STEP_DOWN_MS) {
        this.step--;
        this.changedAt = now;
      }
    }
    return this.step;
  }
}
