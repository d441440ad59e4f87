import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../backends.js';
import { runEmitter } from '../fixtures/child-process.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { numberedBackends } from '../fixtures/numbered-backends.js';

// SIGKILL the emitting process mid-stream, then start the application again on the same spool: every
// record it had committed (forceFlush resolved: delivered or on disk) must arrive. Two moments: the
// backend down (the spool holds the tail of the stream, replayed after the restart), and the backend up
// (batches in flight at the kill are replayed: Loki may store those twice, OpenSearch never, `_id`).
// Records emitted after the last commit were only in memory; they are counted, not promised.

const backends = numberedBackends('crash');

const cases = backends.flatMap((b) => [
  { ...b, backendDown: true, moment: 'backend down' },
  { ...b, backendDown: false, moment: 'backend up' },
]);

describe.each(cases)('SIGKILL of the emitting process → $name ($moment)', ({ name, section, backend, env, found, backendDown, moment }) => {
  it('loses no committed record once the process restarts on the same spool; duplicates only where the backend cannot deduplicate', async () => {
    const runId = randomBytes(6).toString('hex');
    const spoolDir = await mkdtemp(join(tmpdir(), 'otel-logkit-e2e-crash-'));
    const childEnv = { ...fastDelivery, ...env(), OTEL_SERVICE_NAME: 'logkit-e2e-crash', OTEL_LOGKIT_SPOOL_DIR: spoolDir, OTEL_LOGKIT_RETRY_MAX_BACKOFF: '200' };
    const committedAt = (line: string) => (line.startsWith('committed ') ? Number(line.slice(10)) : -1);
    try {
      const first = runEmitter(['emit', runId], childEnv);
      await first.waitForLine((line) => committedAt(line) >= 250);
      if (backendDown) await backend().stop();
      const whenStopped = committedAt(first.lines.at(-1)!);
      // With the backend down, commits now mean "on disk in the spool".
      await first.waitForLine((line) => committedAt(line) >= whenStopped + 250);
      // Up: kill a few milliseconds after a commit, while the next burst's batch is on its way.
      if (!backendDown) await new Promise((r) => setTimeout(r, 5));
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const committed = Math.max(...first.lines.map(committedAt));

      if (backendDown) await backend().start();
      const second = runEmitter(['drain', runId], childEnv);
      expect((await second.exited).code).toBe(0);
      const drainStats = JSON.parse(second.lines.at(-1)!) as Record<string, { replayed: number; failed: number }>;
      expect(drainStats[section]!.failed).toBe(0);
      if (backendDown) expect(drainStats[section]!.replayed).toBeGreaterThan(0);

      const result = await eventually(() => found(runId, committed + 1_000), (f) => Array.from({ length: committed }, (_, n) => n).every((n) => f.numbers.has(n)), { timeoutMs: 60_000 });
      const lost = Array.from({ length: committed }, (_, n) => n).filter((n) => !result.numbers.has(n));
      expect(lost).toEqual([]);
      if (name === 'opensearch') expect(result.duplicates).toBe(0);
      const uncommittedDelivered = [...result.numbers].filter((n) => n >= committed).length;
      summary(`sigkill ${name} (${moment})`, {
        committed,
        found: result.numbers.size,
        lost: lost.length,
        duplicates: result.duplicates,
        replayed_after_restart: drainStats[section]!.replayed,
        uncommitted_delivered: uncommittedDelivered,
        ...(backendDown ? { backend_restart_ms: backend().lastStartMs } : {}),
      });
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 240_000);
});
