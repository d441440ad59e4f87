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
export function queuePressure(stats: PipelineStats, settings: Pick<DeliverySettings, 'batch' | 'spool' | 'spoolDir'>): () => number {
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

function fullest(sections: Record<string, StatsSection>, { batch, spool, spoolDir }: Pick<DeliverySettings, 'batch' | 'spool' | 'spoolDir'>): number {
  // Records handed to the delivery worker and not yet read land in every destination's queue: counted
  // ahead, or a worker that falls behind (a loaded machine) hides how full its queues are about to be.
  const inTransfer = sections.delivery_thread?.in_transfer;
  const coming = typeof inTransfer === 'number' ? inTransfer : 0;
  let max = 0;
  for (const section of Object.values(sections)) {
    const { queued, queued_bytes: queuedBytes, spool_bytes: spoolBytes } = section;
    // Only delivery-core destinations report both gauges; other sections are not queues.
    if (typeof queued !== 'number' || typeof spoolBytes !== 'number') continue;
    const bytes = typeof queuedBytes === 'number' ? queuedBytes : 0;
    const perRecord = queued > 0 ? bytes / queued : 0;
    // With a spool, what is coming goes to disk, not to the memory queue (and a full hand-over blocks
    // rather than drops): only the disk's bound, or a memory queue that fills while the disk fails, counts.
    const fill =
      spoolDir === undefined
        ? Math.max((queued + coming) / batch.maxQueueRecords, (bytes + coming * perRecord) / batch.maxQueueBytes, spoolBytes / spool.maxBytes)
        : Math.max(queued / batch.maxQueueRecords, bytes / batch.maxQueueBytes, (spoolBytes + coming * perRecord) / spool.maxBytes);
    if (fill > max) max = fill;
  }
  return Math.min(1, max);
}
