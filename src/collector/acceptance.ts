import type { DeliveryConfig } from '../../exporters/config.js';
import type { PipelineStats, StatsSection } from '../core/stats.js';
import { RequestRefusal } from './request-body.js';

/** Of the spool's size cap, how much may fill before new requests are answered 503. */
const SPOOL_HIGH_WATER = 0.9;

/**
 * Decides whether the collector may say "accepted", with what each record's `write` answered
 * (`WriteVerdict`: a record a destination could not take fails the request with 503, so the sender
 * retries instead of believing it delivered) and two checks around it:
 * - before a request: every destination must have room — the memory queue below its record limit
 *   (else 429), the spool below 90 % of its size cap (else 503, since a full spool evicts its oldest,
 *   already acknowledged, batches);
 * - after the write, with a spool: `persist` makes everything written so far durable (group commit,
 *   once per turn of the event loop for all requests of that turn) before anyone is answered 200.
 */
export class AcceptanceGate {
  private readonly durable: boolean;
  private commit: Promise<void> | undefined;

  constructor(
    private readonly stats: PipelineStats,
    private readonly delivery: DeliveryConfig,
    /** Makes everything written so far durable before it returns (the export stage's flush, synchronous part). */
    private readonly persist: () => void,
  ) {
    this.durable = delivery.settings.spoolDir !== undefined;
  }

  /** Throws a 429/503 refusal when a destination has no room for `records` more (about `bytes` encoded). */
  admit(records: number, bytes: number): void {
    const { batch, spool } = this.delivery.settings;
    for (const [name, section] of destinations(this.stats.snapshot())) {
      if (this.durable) {
        // The request's own size counts: a spool pushed over its cap evicts batches already acknowledged.
        if ((section.spool_bytes as number) + bytes >= spool.maxBytes * SPOOL_HIGH_WATER) {
          throw new RequestRefusal(503, `the spool of ${name} is full; retry later`, 'spool_full');
        }
      } else if ((section.queued as number) + records > batch.maxQueueRecords) {
        throw new RequestRefusal(429, `the queue of ${name} is full; retry later`, 'queue_full');
      }
    }
  }

  /** Resolves once everything written so far is as durable as the configuration makes it. */
  durableNow(): Promise<void> {
    if (!this.durable) return Promise.resolve();
    this.commit ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.commit = undefined;
        this.persist();
        resolve();
      }),
    );
    return this.commit;
  }
}

/** The stats sections of delivery destinations: the ones with a queue gauge and a spool gauge. */
export function destinations(snapshot: Record<string, StatsSection>): [string, StatsSection][] {
  return Object.entries(snapshot).filter(([, s]) => typeof s.queued === 'number' && typeof s.spool_bytes === 'number');
}
