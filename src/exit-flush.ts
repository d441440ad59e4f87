import type { BackendHealth } from './core/backend-health.js';
import type { PipelineStats, StatsSection } from './core/stats.js';
import { warnUser } from './core/user-warning.js';

/** How an exit flush ended: everything went (or is safe on disk), or we stopped waiting. */
export type ExitOutcome = 'flushed' | 'deadline' | 'backend_down';

/** How long the exit flush waits, once it told the stages to let go, for them to count what they gave up. */
const LET_GO_GRACE_MS = 200;

/** How often the exit flush looks whether every destination still holding records is down. */
const DOWN_POLL_MS = 50;

/**
 * The last flush of a process, bounded so that an application never hangs at exit because of its
 * logs (the stock SDK waits its export timeout; a user reads that as a hang). It waits for delivery
 * until `OTEL_LOGKIT_EXIT_TIMEOUT`, and stops sooner when every destination still holding records
 * is down (its last attempts could not reach it: nothing will arrive). With a spool, undelivered
 * records are on disk for the next start; without one they are lost — counted in `stats().exit`
 * and said once on stderr, with the endpoint and the error.
 *
 * @example
 * const exit = new ExitFlush(stats, health, { timeoutMs: 5000 });
 * const outcome = await exit.run(() => provider.shutdown());
 */
export class ExitFlush {
  private lost = 0;
  private kept = 0;
  private reported = false;

  /**
   * Aborted when an exit flush stops waiting: stages that hold a flush open (the delivery core's wait
   * for idle) can let go at once instead of at their own timeout. Given to stages in the StageContext.
   */
  readonly given = new AbortController();

  constructor(
    private readonly stats: PipelineStats,
    private readonly health: BackendHealth,
    private readonly settings: { timeoutMs: number; spoolDir?: string },
  ) {
    stats.register('exit', () => ({ lost: this.lost, kept_in_spool: this.kept }));
  }

  /**
   * Runs `flush` within the bound. `processEnding`: the caller ends the process right after (beforeExit,
   * a signal), so a backend that is down is not waited for, and what is still queued is counted here
   * (`exit.lost`) since the core will not get to count it. An explicit `shutdown()` waits for the
   * retries up to the bound instead, and leaves the counting to the delivery core (`failed`).
   */
  async run(flush: () => Promise<void>, { processEnding = false }: { processEnding?: boolean } = {}): Promise<ExitOutcome> {
    const failedBefore = this.failedBy();
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const flushed = flush().then(
      () => 'flushed' as const,
      () => 'flushed' as const,
    );
    const givenUp = new Promise<ExitOutcome>((resolve) => {
      // Referenced: the process waits for its records, but never longer than this.
      timer = setTimeout(() => resolve('deadline'), this.settings.timeoutMs);
      if (processEnding) poll = setInterval(() => this.allPendingDown() && resolve('backend_down'), DOWN_POLL_MS).unref();
    });
    const outcome = await Promise.race([flushed, givenUp]);
    clearTimeout(timer);
    clearInterval(poll);
    if (outcome !== 'flushed') {
      this.given.abort();
      // Stages that honour the signal give up at once and count what they drop; when the application
      // goes on after shutdown(), a moment for that, so the report and stats() agree with them.
      if (!processEnding) await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, LET_GO_GRACE_MS).unref())]);
    }
    this.report(outcome, failedBefore, processEnding);
    return outcome;
  }

  /**
   * Destinations with records not yet delivered, by stats section: in memory or on the wire (`queued`)
   * and waiting in the spool (`spool_records`, which excludes the batches on the wire). The spool is
   * counted too: after an outage it holds most of what is undelivered, and a report of the in-flight
   * batches alone told the user "100 records kept" when 60,900 were.
   */
  private pending(): Map<string, number> {
    const pending = this.numbers('queued');
    for (const [name, n] of this.numbers('spool_records')) pending.set(name, (pending.get(name) ?? 0) + n);
    return pending;
  }

  /** Records each destination has given up so far (counted `failed` by the delivery core). */
  private failedBy(): Map<string, number> {
    return this.numbers('failed');
  }

  private numbers(key: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, section] of Object.entries(this.stats.snapshot())) {
      const value = (section as StatsSection)[key];
      if (typeof value === 'number' && value > 0) out.set(name, value);
    }
    return out;
  }

  private allPendingDown(): boolean {
    const pending = [...this.pending().keys()];
    return pending.length > 0 && pending.every((name) => this.health.isDown(name));
  }

  /**
   * Says once what did not make it: records still queued (lost — counted here in `exit.lost` when the
   * process ends now, else by the core when it gives them up — or kept in the spool) and records the
   * core gave up during the flush (already counted as `failed`).
   * Silent when everything was delivered.
   */
  private report(outcome: ExitOutcome, failedBefore: Map<string, number>, processEnding: boolean): void {
    if (this.reported) return;
    const pending = this.pending();
    const gaveUp = new Map<string, number>();
    for (const [name, n] of this.failedBy()) if (n > (failedBefore.get(name) ?? 0)) gaveUp.set(name, n - (failedBefore.get(name) ?? 0));
    const names = [...new Set([...pending.keys(), ...gaveUp.keys()])];
    if (names.length === 0) return;
    this.reported = true;
    const spooled = this.settings.spoolDir !== undefined;
    const queued = [...pending.values()].reduce((sum, n) => sum + n, 0);
    if (spooled) this.kept += queued;
    else if (processEnding) this.lost += queued;
    const parts = names.map((name) => `${records((pending.get(name) ?? 0) + (gaveUp.get(name) ?? 0))} for ${name}${this.outage(name)}`);
    const when = outcome === 'deadline' ? `within OTEL_LOGKIT_EXIT_TIMEOUT (${this.settings.timeoutMs} ms)` : 'before exit';
    // A refusal is not helped by a spool (the backend will refuse the same records next start): say so, with the fix said above.
    const refused = names.filter((name) => this.health.isRefusing(name) && (pending.get(name) ?? 0) === 0);
    const spoolHelps = refused.length < names.length;
    const refusedFate = refused.length === 0 ? '' : `; ${refused.join(', ')} refused them for good (a spool would not help: fix the cause said above)`;
    const fate = !spoolHelps
      ? ' and lost: refused for good, a spool would not help; fix the cause said above'
      : spooled && gaveUp.size === 0
        ? `; kept in the spool (${this.settings.spoolDir}) for the next start`
        : spooled
          ? `; queued ones kept in the spool (${this.settings.spoolDir}), given-up ones lost${refusedFate}`
          : ` and lost: set OTEL_LOGKIT_SPOOL_DIR to keep undelivered records for the next start${refusedFate}`;
    warnUser(`otel-logkit: not delivered ${when}: ${parts.join(', ')}${fate}`);
  }

  private outage(name: string): string {
    const outage = this.health.describeOutage(name);
    return outage ? ` (${outage})` : '';
  }
}

function records(n: number): string {
  return `${n} ${n === 1 ? 'record' : 'records'}`;
}
