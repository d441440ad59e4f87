import { diag } from '@opentelemetry/api';
import { warnUser } from './user-warning.js';

/** Consecutive failed attempts after which a backend counts as down (as the delivery core counts them). */
export const FAILURES_MEANING_DOWN = 3;

/** What one destination's transport reports after each attempt. */
export interface BackendWatch {
  /** The request got an answer (whatever it said): the backend is reachable. */
  reached(): void;
  /** The request got no answer (connection refused, DNS, TLS, timeout); `fix` is what the user changes. */
  unreachable(error: Error, fix?: string): void;
  /** The backend answered with a refusal no retry changes (a 4xx other than 408/413/429, a gRPC status the spec does not retry). */
  refused(refusal: Refusal): void;
}

/** An answer that refuses records for good, as the user is told it. */
export interface Refusal {
  /** Where the request went: origin and path, never a query or credentials. */
  url: string;
  /** The status and the start of the answer: `HTTP 404: page not found`, `gRPC UNAUTHENTICATED: bad token`. */
  said: string;
  /** The status alone, which tells one cause from another: `HTTP 404`. Said once per destination and cause. */
  cause: string;
  /** What the user changes, naming the variable. */
  fix: string;
}

interface Watched {
  name: string;
  /** The endpoint as shown to people (see {@link endpointName}). */
  where: string;
  failures: number;
  lastError?: string;
  warned: boolean;
  /** The last refusal, while no answer has been accepted since. */
  refusal?: Refusal;
  /** The causes of refusal already told to the user. */
  refusalsTold: Set<string>;
}

/**
 * Which backends answer, per pipeline. Its purpose is the user's first hour: the first time a
 * backend cannot be reached, one warning names the endpoint, the error and the likely fix (shown
 * even without a diag logger, see {@link warnUser}) — not one per retry; when it answers again, a
 * diag note, and a later outage warns again. A backend that refuses records for good (a wrong path,
 * bad credentials) is said once per cause, with the fix: those records are lost whatever the retries
 * or the spool. At exit, the pipeline asks which destinations are down so it need not wait the whole
 * exit timeout for a backend that is not there, and what became of the records it could not deliver.
 *
 * @example
 * const watch = ctx.health?.watch('otlp', endpoint);
 * transport.send(request).then(() => watch.reached(), (error) => watch.unreachable(error));
 */
export class BackendHealth {
  private readonly watched = new Map<string, Watched>();

  watch(name: string, endpoint: URL): BackendWatch {
    const entry: Watched = { name, where: endpointName(endpoint), failures: 0, warned: false, refusalsTold: new Set() };
    this.watched.set(name, entry);
    return {
      reached: () => {
        if (entry.warned) diag.info(`otel-logkit: ${name}: ${entry.where} answers again`);
        entry.failures = 0;
        entry.warned = false;
        entry.refusal = undefined;
      },
      unreachable: (error, fix) => {
        entry.failures++;
        // Our transports' errors start with the origin already; say it once.
        entry.lastError = error.message.startsWith(`${entry.where}: `) ? error.message.slice(entry.where.length + 2) : error.message;
        if (entry.warned) return;
        entry.warned = true;
        const advice = fix ? `; fix: ${fix}` : '';
        warnUser(`otel-logkit: ${name}: cannot reach ${entry.where} (${entry.lastError}); retrying in the background (said once per outage)${advice}`);
      },
      refused: (refusal) => {
        entry.failures = 0;
        entry.warned = false;
        entry.refusal = refusal;
        if (entry.refusalsTold.has(refusal.cause)) return;
        entry.refusalsTold.add(refusal.cause);
        warnUser(`otel-logkit: ${name}: ${refusal.url} refused the records (${refusal.said}); they are not retried and a spool would not keep them (said once per cause); fix: ${refusal.fix}`);
      },
    };
  }

  /** True when the destination's last attempts all failed to reach it (unknown destinations are never down). */
  isDown(name: string): boolean {
    return (this.watched.get(name)?.failures ?? 0) >= FAILURES_MEANING_DOWN;
  }

  /**
   * Why a destination is not delivering: `http://localhost:4318 unreachable: ECONNREFUSED …` when it
   * cannot be reached, `refused by http://localhost:4318/v1/logs (HTTP 404 …)` when its last answer
   * was a refusal; undefined when it answers.
   */
  describeOutage(name: string): string | undefined {
    const entry = this.watched.get(name);
    if (entry?.refusal) return `refused by ${entry.refusal.url} (${entry.refusal.cause})`;
    if (!entry || entry.failures === 0) return undefined;
    return `${entry.where} unreachable: ${entry.lastError ?? 'no answer'}`;
  }

  /** True when the destination's last answer refused records for good: retries and a spool cannot deliver them. */
  isRefusing(name: string): boolean {
    return this.watched.get(name)?.refusal !== undefined;
  }
}

/**
 * An endpoint as shown to people: an HTTP(S) endpoint by its origin only (paths and queries may carry
 * tokens); any other scheme by its hosts, the first in the host part and more, comma-separated, in the
 * path: `kafka://kafka-1:9092/kafka-2:9092` is shown as `kafka://kafka-1:9092,kafka-2:9092`.
 */
export function endpointName(endpoint: URL): string {
  if (endpoint.origin !== 'null') return endpoint.origin;
  const more = decodeURIComponent(endpoint.pathname.replace(/^\//, '')).split(',').filter((host) => host !== '');
  return `${endpoint.protocol}//${[endpoint.host, ...more].join(',')}`;
}
