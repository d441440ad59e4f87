import { diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendHealth } from '../../src/core/backend-health.js';
import { PipelineStats } from '../../src/core/stats.js';
import { ExitFlush } from '../../src/exit-flush.js';

/** A destination that still holds `queued` records (and `spooled` on disk) and whose flush ends only when told to. */
function stuckDestination(queued: number, spooled = 0) {
  const stats = new PipelineStats();
  stats.register('otlp', () => ({ queued, spool_records: spooled, failed: 0 }));
  return { stats, health: new BackendHealth(), warnings, never: () => new Promise<void>(() => {}) };
}

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  diag.setLogger({ warn: (m: string) => void warnings.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} });
});
afterEach(() => diag.disable());

describe('the exit flush', () => {
  it('stops at its deadline, says once what it left, and tells the stages to let go', async () => {
    const { stats, health, warnings, never } = stuckDestination(3);
    const exit = new ExitFlush(stats, health, { timeoutMs: 50 });
    expect(await exit.run(never)).toBe('deadline');
    expect(exit.given.signal.aborted).toBe(true);
    expect(warnings).toEqual(['otel-logkit: not delivered within OTEL_LOGKIT_EXIT_TIMEOUT (50 ms): 3 records for otlp and lost: set OTEL_LOGKIT_SPOOL_DIR to keep undelivered records for the next start']);
    // An explicit shutdown leaves the counting to the delivery core, which gives the records up when told to let go.
    expect(stats.snapshot().exit).toEqual({ lost: 0, kept_in_spool: 0 });
    await exit.run(never);
    expect(warnings).toHaveLength(1);
  });

  it('counts what is still queued when the process ends right after, and does not wait for a backend that is down', async () => {
    const { stats, health, never } = stuckDestination(2);
    const watch = health.watch('otlp', new URL('http://localhost:4318/v1/logs'));
    for (let i = 0; i < 3; i++) watch.unreachable(new Error('http://localhost:4318: ECONNREFUSED'));
    const exit = new ExitFlush(stats, health, { timeoutMs: 60_000 });
    expect(await exit.run(never, { processEnding: true })).toBe('backend_down');
    expect(stats.snapshot().exit).toEqual({ lost: 2, kept_in_spool: 0 });
  });

  it('with a spool, says the records wait there, and lets a delivered flush pass silently', async () => {
    const { stats, health, warnings, never } = stuckDestination(4);
    const spooled = new ExitFlush(stats, health, { timeoutMs: 20, spoolDir: '/var/spool/app' });
    await spooled.run(never, { processEnding: true });
    expect(warnings.at(-1)).toMatch(/4 records for otlp; kept in the spool \(\/var\/spool\/app\) for the next start$/);
    expect(stats.snapshot().exit).toEqual({ lost: 0, kept_in_spool: 4 });

    // After an outage most of what is undelivered waits in the spool, not on the wire: all of it is reported.
    const backlog = stuckDestination(100, 60_800);
    const afterOutage = new ExitFlush(backlog.stats, backlog.health, { timeoutMs: 20, spoolDir: '/var/spool/app' });
    await afterOutage.run(backlog.never);
    expect(warnings.at(-1)).toMatch(/: 60900 records for otlp; kept in the spool \(\/var\/spool\/app\) for the next start$/);
    expect(backlog.stats.snapshot().exit).toEqual({ lost: 0, kept_in_spool: 60_900 });

    const idle = stuckDestination(0);
    const before = warnings.length;
    const flushed = new ExitFlush(idle.stats, idle.health, { timeoutMs: 1000 });
    expect(await flushed.run(async () => {})).toBe('flushed');
    expect(flushed.given.signal.aborted).toBe(false);
    expect(warnings).toHaveLength(before);
  });
});
