import type { DeliverySettings } from '../exporters/delivery/settings.js';
import type { PipelineStats, StatsSection } from './core/stats.js';

/** How stale the pressure may be: the worker's numbers arrive every ~100 ms anyway. */
const REFRESH_MS = 50;

/**
 * How full the fullest destination queue is, 0..1: the larger of its memory queue against
 * `OTEL_BLRP_MAX_QUEUE_SIZE` / `OTEL_LOGKIT_QUEUE_MAX_BYTES` and its spool against
 * `OTEL_LOGKIT_SPOOL_MAX_BYTES`. Read from the stats (the delivery worker mirrors its sections to this
 * thread), at most every {@link REFRESH_MS}: a caller per record reads a cached number.
 *
 * @example
 * const ctx: StageContext = { stats, resource, pressure: queuePressure(stats, config.delivery.settings) };
 */
export function queuePressure(stats: PipelineStats, settings: Pick<DeliverySettings, 'batch' | 'spool'>): () => number {
  let value = 0;
  let readAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - readAt < REFRESH_MS) return value;
    readAt = now;
    value = fullest(stats.snapshot(), settings);
    return value;
  };
}

function fullest(sections: Record<string, StatsSection>, { batch, spool }: Pick<DeliverySettings, 'batch' | 'spool'>): number {
  let max = 0;
  for (const section of Object.values(sections)) {
    const { queued, queued_bytes: queuedBytes, spool_bytes: spoolBytes } = section;
    // Only delivery-core destinations report both gauges; other sections are not queues.
    if (typeof queued !== 'number' || typeof spoolBytes !== 'number') continue;
    const fill = Math.max(queued / batch.maxQueueRecords, typeof queuedBytes === 'number' ? queuedBytes / batch.maxQueueBytes : 0, spoolBytes / spool.maxBytes);
    if (fill > max) max = fill;
  }
  return Math.min(1, max);
}
