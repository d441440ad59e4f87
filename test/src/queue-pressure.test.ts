import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY } from '../../exporters/delivery/settings.js';
import { PipelineStats } from '../../src/core/stats.js';
import { queuePressure } from '../../src/queue-pressure.js';

/** A destination whose worker is behind: 40,000 records handed over and not yet read, a few queued. */
function behind(): PipelineStats {
  const stats = new PipelineStats();
  stats.register('delivery_thread', () => ({ transferred: 50_000, in_transfer: 40_000 }));
  stats.register('otlp', () => ({ queued: 1_000, queued_bytes: 400_000, spool_records: 9_000, spool_bytes: 4_000_000 }));
  return stats;
}

describe('queue pressure', () => {
  it('counts records still on their way to the worker against the memory queue they will land in', () => {
    const settings = { ...DEFAULT_DELIVERY, batch: { ...DEFAULT_DELIVERY.batch, maxQueueRecords: 20_000 } };
    expect(queuePressure(behind(), settings)()).toBe(1);
  });

  it('with a spool, counts them against the disk they will be written to: a worker behind is no reason to sample', () => {
    const settings = { ...DEFAULT_DELIVERY, spoolDir: '/spool', batch: { ...DEFAULT_DELIVERY.batch, maxQueueRecords: 20_000 } };
    const pressure = queuePressure(behind(), settings)();
    expect(pressure).toBeLessThan(0.1);
    expect(pressure).toBeGreaterThan((4_000_000 + 40_000 * 400) / DEFAULT_DELIVERY.spool.maxBytes - 1e-9);
  });

  it('with a spool, still rises when the memory queue fills (the disk failing)', () => {
    const stats = new PipelineStats();
    stats.register('otlp', () => ({ queued: 60_000, queued_bytes: 24_000_000, spool_records: 0, spool_bytes: 0 }));
    expect(queuePressure(stats, { ...DEFAULT_DELIVERY, spoolDir: '/spool' })()).toBeGreaterThan(0.9);
  });
});
