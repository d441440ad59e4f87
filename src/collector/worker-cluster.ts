import cluster, { type Worker } from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { type LogkitConfig, resolveConfig } from '../config.js';
import type { Env } from '../core/env.js';
import { LogkitError } from '../core/errors.js';
import { warnUser } from '../core/user-warning.js';
import { answerHealth, type Collector, type CollectorInfo, createCollector, hostOf, listen } from './collector.js';
import type { RoutedVerdict } from './owner-routing.js';
import { RequestRefusal } from './request-body.js';
import { refuseForwardingToItself } from './self-forwarding.js';
import { parseCollectorSettings } from './settings.js';
import { METRICS_CONTENT_TYPE, mergeTelemetry, metricsText, type TelemetryView } from './telemetry-view.js';

/** The variable a forked worker finds its index in; set by the primary only. */
export const WORKER_INDEX_VARIABLE = 'OTEL_LOGKIT_COLLECTOR_WORKER_INDEX';
const WORKER_COUNT_VARIABLE = 'OTEL_LOGKIT_COLLECTOR_WORKER_COUNT';

/** How long the primary waits for a worker's numbers when `/metrics` is scraped. */
const METRICS_WAIT_MS = 2000;
/** A worker that died is started again after this long (its spool is where it left it), longer if it keeps dying. */
const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

/** A refusal, as it crosses a process boundary (an Error's class does not). */
interface Refusal {
  status: RequestRefusal['status'];
  message: string;
  reason: string;
}

/** What a worker sends the primary. */
export type FromWorker =
  | { t: 'started'; info: CollectorInfo }
  | { t: 'failed'; message: string; configuration: boolean }
  | { t: 'route'; id: number; to: number; body: Uint8Array }
  | { t: 'routed'; id: number; from: number; verdict?: RoutedVerdict; refusal?: Refusal }
  | { t: 'telemetry'; id: number; view: TelemetryView }
  | { t: 'stopped'; view: TelemetryView };

/** What the primary sends a worker. */
export type ToWorker =
  | { t: 'route'; id: number; from: number; body: Uint8Array }
  | { t: 'routed'; id: number; verdict?: RoutedVerdict; refusal?: Refusal }
  | { t: 'telemetry'; id: number }
  | { t: 'stop' };

/** The spool directory of worker `index` (its own: a spool has one writer): worker 0 keeps the configured one. */
export function workerSpoolDir(spoolDir: string, index: number): string {
  return index === 0 ? spoolDir : join(spoolDir, `worker-${index}`);
}

/**
 * Says (once, at startup) which spools of workers this run does not start still hold records: they
 * are delivered only by a run with that many workers again, so they must not wait unnoticed.
 */
export function warnAboutSpoolsLeftBehind(spoolDir: string | undefined, workers: number): void {
  if (spoolDir === undefined) return;
  let entries: string[];
  try {
    entries = readdirSync(spoolDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const index = /^worker-(\d+)$/.exec(entry)?.[1];
    if (index === undefined || Number(index) < workers) continue;
    const dir = join(spoolDir, entry);
    if (!holdsFiles(dir)) continue;
    warnUser(
      `otel-logkit collector: ${dir} holds records of worker ${index}, which this run does not start (OTEL_LOGKIT_COLLECTOR_WORKERS=${workers}); ` +
        `start the collector with OTEL_LOGKIT_COLLECTOR_WORKERS=${Number(index) + 1} or more to deliver them`,
    );
  }
}

function holdsFiles(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).some((entry) => entry.isFile());
  } catch {
    return false;
  }
}

/** A refusal as a worker sends it back, and back again into the class the receiver answers with. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof RequestRefusal) return { status: error.status, message: error.message, reason: error.reason };
  return { status: 503, message: `the owning worker failed: ${(error as Error)?.message ?? error}`, reason: 'worker_unavailable' };
}
export function refusalError(refusal: Refusal): RequestRefusal {
  return new RequestRefusal(refusal.status, refusal.message, refusal.reason);
}

/** A running set of collector workers, seen from the primary. */
export interface CollectorCluster {
  /** The first worker's banner, with the primary's metrics endpoint and the worker count. */
  info: CollectorInfo & { workers: number };
  /** Stops every worker (each drains and flushes as a lone collector does); resolves with their final numbers merged. */
  stop(): Promise<TelemetryView>;
}

/**
 * `OTEL_LOGKIT_COLLECTOR_WORKERS`: the collector as several processes (node:cluster) that share its
 * ports — the primary accepts each connection and hands it to the next worker in turn — each running
 * the whole receiving and delivery path with a spool of its own (`<spool>/worker-<n>`; worker 0 keeps
 * `<spool>`). With tail deferral, records of one correlation id are handed (through the primary) to
 * the worker that owns the id, so its history is held and released in one place; a request is
 * answered only when every worker that took a part of it has accepted that part. The primary serves
 * `/metrics` and `/health` itself, merged from every worker, and starts again a worker that dies.
 *
 * Throws a ConfigError (before any process starts) on a bad configuration, as a lone collector would.
 */
export async function startCollectorCluster(env: Env, workers: number): Promise<CollectorCluster> {
  const settings = parseCollectorSettings({ env });
  const config = resolveConfig({ env });
  refuseForwardingToItself(settings, config);
  // Buffers cross as bytes, not as JSON arrays of numbers.
  cluster.setupPrimary({ serialization: 'advanced' });
  cluster.schedulingPolicy = cluster.SCHED_RR;

  const members: (Worker | undefined)[] = new Array(workers).fill(undefined);
  const pendingTelemetry = new Map<number, { views: TelemetryView[]; expected: number; done: (views: TelemetryView[]) => void }>();
  const finalViews: TelemetryView[] = [];
  let stopping = false;
  let nextId = 1;
  let ready = false;
  /** When each worker last died, for a back-off when one keeps dying. */
  const deaths: number[][] = Array.from({ length: workers }, () => []);

  const forkOne = (index: number): Promise<CollectorInfo> => {
    const worker = cluster.fork({ ...env, [WORKER_INDEX_VARIABLE]: String(index), [WORKER_COUNT_VARIABLE]: String(workers) });
    members[index] = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        switch (message.t) {
          case 'started':
            resolve(message.info);
            break;
          case 'failed':
            // A worker's configuration error (its spool directory, say) is the collector's: exit code 2, not 1.
            reject(message.configuration ? new LogkitError('LOGKIT_CONFIG_INVALID', message.message) : new Error(message.message));
            break;
          case 'route': {
            // Relayed to the owner; a worker that is not there answers for it.
            const owner = members[message.to];
            const sent = owner?.isConnected() && owner.send({ t: 'route', id: message.id, from: index, body: message.body } satisfies ToWorker);
            if (!sent) worker.send({ t: 'routed', id: message.id, refusal: { status: 503, message: `worker ${message.to} is restarting; retry later`, reason: 'worker_unavailable' } } satisfies ToWorker);
            break;
          }
          case 'routed':
            members[message.from]?.send({ t: 'routed', id: message.id, verdict: message.verdict, refusal: message.refusal } satisfies ToWorker);
            break;
          case 'telemetry': {
            const pending = pendingTelemetry.get(message.id);
            pending?.views.push(message.view);
            if (pending && pending.views.length === pending.expected) pending.done(pending.views);
            break;
          }
          case 'stopped':
            finalViews.push(message.view);
            break;
        }
      });
      worker.on('exit', (code, signal) => {
        reject(new Error(`worker ${index} exited (${signal ?? code}) before it started`));
        if (stopping || members[index] !== worker) return;
        members[index] = undefined;
        // A worker that keeps dying is started again ever later (0.5 s, doubling per death in the last minute, up to 30 s).
        const now = Date.now();
        deaths[index] = [...deaths[index]!.filter((at) => now - at < 60_000), now];
        const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (deaths[index]!.length - 1));
        // Its requests in flight were not answered 200; its spool keeps what it acknowledged.
        diag.error(`otel-logkit collector: worker ${index} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
        setTimeout(() => {
          if (stopping) return;
          forkOne(index).catch((error: unknown) => {
            if (!stopping) diag.error(`otel-logkit collector: worker ${index} did not start again`, error);
          });
        }, delay).unref();
      });
    });
  };

  const telemetry = (): Promise<TelemetryView> => {
    const live = members.filter((m): m is Worker => m?.isConnected() === true);
    const id = nextId++;
    return new Promise<TelemetryView[]>((resolve) => {
      const timer = setTimeout(() => finish(pendingTelemetry.get(id)?.views ?? []), METRICS_WAIT_MS);
      const finish = (views: TelemetryView[]): void => {
        clearTimeout(timer);
        pendingTelemetry.delete(id);
        resolve(views);
      };
      pendingTelemetry.set(id, { views: [], expected: live.length, done: finish });
      for (const member of live) member.send({ t: 'telemetry', id } satisfies ToWorker);
      if (live.length === 0) finish([]);
    }).then(mergeTelemetry);
  };

  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  const stopAll = async (): Promise<TelemetryView> => {
    stopping = true;
    ready = false;
    const exits = members.filter((m): m is Worker => m !== undefined && !m.isDead()).map((member) => {
      const exited = new Promise<void>((resolve) => member.once('exit', () => resolve()));
      if (member.isConnected()) member.send({ t: 'stop' } satisfies ToWorker);
      else member.kill();
      return exited;
    });
    await Promise.all(exits);
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    return mergeTelemetry(finalViews);
  };

  try {
    if (settings.metricsEndpoint) {
      metricsServer = createServer((request, response) => void answerMetrics(request, response, telemetry, () => ready));
      metricsUrl = `http://${hostOf(await listen(metricsServer, settings.metricsEndpoint))}/metrics`;
    }
    // Worker 0 first: its port (0 picks one) is the one the others share.
    const first = await forkOne(0);
    await Promise.all(Array.from({ length: workers - 1 }, (_, i) => forkOne(i + 1)));
    ready = true;
    return { info: { ...first, metrics: metricsUrl, spool: spoolOf(config), workers }, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function answerMetrics(request: IncomingMessage, response: ServerResponse, telemetry: () => Promise<TelemetryView>, ready: () => boolean): Promise<void> {
  if (answerHealth(request, response, ready())) return;
  if ((request.url ?? '').split('?')[0] !== '/metrics') {
    response.writeHead(404).end();
    return;
  }
  const text = metricsText(await telemetry());
  response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text);
}

/**
 * The worker side: a lone collector on this worker's share of the ports, without a metrics endpoint
 * (the primary's serves every worker's numbers), on its own spool, handing records of ids other
 * workers own to them through the primary. Stops when the primary says so; ends at once when the primary is gone.
 */
export async function runClusterWorker(env: Env, index: number, workers: number, exit: (code: number) => void): Promise<void> {
  const send = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };
  const routes = new Map<number, { resolve: (verdict: RoutedVerdict) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  /** Tells the primary why this worker cannot run, then exits (once the message is out: a send is asynchronous). */
  const fail = (error: unknown, code: number): void => {
    const message: FromWorker = { t: 'failed', message: (error as Error).message, configuration: error instanceof LogkitError };
    if (process.connected) process.send!(message, () => exit(code));
    else exit(code);
  };
  let collector: Collector;
  try {
    const spoolDir = resolveConfig({ env }).delivery.settings.spoolDir;
    collector = createCollector({
      env,
      metricsEndpoint: 'none',
      pipeline: spoolDir === undefined ? undefined : { delivery: { spoolDir: workerSpoolDir(spoolDir, index) } },
      router: {
        self: index,
        workers,
        forward: (to, body) =>
          new Promise<RoutedVerdict>((resolve, reject) => {
            const id = nextId++;
            routes.set(id, { resolve, reject });
            send({ t: 'route', id, to, body });
          }),
      },
    });
  } catch (error) {
    // Said to the primary, which stops every worker and exits; this process must not linger on its IPC channel.
    fail(error, error instanceof LogkitError ? 2 : 1);
    return;
  }
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await collector.stop();
      for (const pending of routes.values()) pending.reject(new Error('this worker stopped'));
      // Exits once the primary has the final numbers (a send is asynchronous), or at once without a primary.
      if (process.connected) process.send!({ t: 'stopped', view: collector.telemetry() } satisfies FromWorker, () => exit(0));
      else exit(0);
    })());
  process.on('message', (message: ToWorker) => {
    switch (message.t) {
      case 'route':
        collector
          .acceptRouted(Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength))
          .then(
            (verdict) => send({ t: 'routed', id: message.id, from: message.from, verdict }),
            (error: unknown) => send({ t: 'routed', id: message.id, from: message.from, refusal: refusalOf(error) }),
          );
        break;
      case 'routed': {
        const pending = routes.get(message.id);
        routes.delete(message.id);
        if (message.refusal) pending?.reject(refusalError(message.refusal));
        else pending?.resolve(message.verdict!);
        break;
      }
      case 'telemetry':
        send({ t: 'telemetry', id: message.id, view: collector.telemetry() });
        break;
      case 'stop':
        void stop();
        break;
    }
  });
  // The primary decides when to stop (a terminal's Ctrl-C reaches every process of the group).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  // A primary gone without a word crashed (SIGKILL, OOM): the workers end with it, as one process would —
  // what they acknowledged is on their spools; draining instead would leave a second writer on a spool
  // when the collector is started again at once.
  process.on('disconnect', () => {
    if (stopped === undefined) exit(1);
  });
  try {
    send({ t: 'started', info: await collector.start() });
  } catch (error) {
    await collector.stop();
    fail(error, 1);
  }
}

function spoolOf(config: LogkitConfig): string | undefined {
  return config.delivery.settings.spoolDir;
}

