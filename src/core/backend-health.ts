import { diag } from '@opentelemetry/api';
import { warnUser } from './user-warning.js';

/** Consecutive failed attempts after which a backend counts as down (as the delivery core counts them). */
export const FAILURES_MEANING_DOWN = 3;

/** What one destination's transport reports after each attempt. */
export interface BackendWatch {
  /** The request got an answer (whatever it said): the backend is reachable. */
  reached(): void;
  /** The request got no answer (connection refused, DNS, TLS, timeout). */
  unreachable(error: Error): void;
}

interface Watched {
  name: string;
  /** The endpoint as shown to people (see {@link endpointName}). */
  where: string;
  failures: number;
  lastError?: string;
  warned: boolean;
}

/**
 * Which backends answer, per pipeline. Its purpose is the user's first hour: the first time a
 * backend cannot be reached, one warning names the endpoint and the error (shown even without a
 * diag logger, see {@link warnUser}) — not one per retry; when it answers again, a diag note, and a
 * later outage warns again. At exit, the pipeline asks which destinations are down so it need not
 * wait the whole exit timeout for a backend that is not there.
 *
 * @example
 * const watch = ctx.health?.watch('otlp', endpoint);
 * transport.send(request).then(() => watch.reached(), (error) => watch.unreachable(error));
 */
export class BackendHealth {
  private readonly watched = new Map<string, Watched>();

  watch(name: string, endpoint: URL): BackendWatch {
    const entry: Watched = { name, where: endpointName(endpoint), failures: 0, warned: false };
    this.watched.set(name, entry);
    return {
      reached: () => {
        if (entry.warned) diag.info(`otel-logkit: ${name}: ${entry.where} answers again`);
        entry.failures = 0;
        entry.warned = false;
      },
      unreachable: (error) => {
        entry.failures++;
        // Our transports' errors start with the origin already; say it once.
        entry.lastError = error.message.startsWith(`${entry.where}: `) ? error.message.slice(entry.where.length + 2) : error.message;
        if (entry.warned) return;
        entry.warned = true;
        warnUser(`otel-logkit: ${name}: cannot reach ${entry.where} (${entry.lastError}); retrying in the background (said once per outage)`);
      },
    };
  }

  /** True when the destination's last attempts all failed to reach it (unknown destinations are never down). */
  isDown(name: string): boolean {
    return (this.watched.get(name)?.failures ?? 0) >= FAILURES_MEANING_DOWN;
  }

  /** `http://localhost:4318 unreachable: ECONNREFUSED …` for a destination that is down, else undefined. */
  describeOutage(name: string): string | undefined {
    const entry = this.watched.get(name);
    if (!entry || entry.failures === 0) return undefined;
    return `${entry.where} unreachable: ${entry.lastError ?? 'no answer'}`;
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
