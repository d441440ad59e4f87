import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import cluster from 'node:cluster';
import { type Collector, createCollector } from '../collector/collector.js';
import { parseWorkerCount } from '../collector/settings.js';
import { runClusterWorker, startCollectorCluster, warnAboutSpoolsLeftBehind, WORKER_INDEX_VARIABLE } from '../collector/worker-cluster.js';
import { type Env, SettingsReader } from '../core/env.js';
import { LogkitError } from '../core/errors.js';
import { watchLauncher } from './launcher-watch.js';

export const COLLECTOR_USAGE = `usage: otel-logkit collector

Receives OTLP logs over HTTP (OTEL_LOGKIT_COLLECTOR_ENDPOINT, default 127.0.0.1:4318), over gRPC
(OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT, default 127.0.0.1:4317) and, with OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS,
from a Kafka topic, and runs them through the pipeline to the destinations of OTEL_LOGS_EXPORTER (set it
and the destination's endpoint: a collector does not forward to itself). Prometheus metrics and health
on OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT (default 127.0.0.1:9464). One worker process per core shares
the ports, each with its own spool (OTEL_LOGKIT_COLLECTOR_WORKERS). Runs until SIGTERM or SIGINT — or
until the npm/npx process that launched it ends —, then drains and flushes.

Diagnostics (a backend or the Kafka brokers out of reach, records refused) go to stderr, from
OTEL_LOG_LEVEL up (default warn).

Exit codes: 0 after a clean stop, 1 when a port cannot be bound, 2 on a usage or configuration error.
`;

export interface CollectorCommandIo {
  stdout: Writable;
  stderr: Writable;
  env: Env;
  /** Where SIGTERM/SIGINT are listened for (the process; tests pass their own emitter). */
  signals?: NodeJS.EventEmitter;
  /**
   * The worker count when `OTEL_LOGKIT_COLLECTOR_WORKERS` is not set: the installed CLI passes the
   * cores available; without it, one collector in this process.
   */
  defaultWorkers?: number;
}

/**
 * `otel-logkit collector`: runs the collector configured by the environment until SIGTERM or SIGINT
 * (or the end of the npm process that launched it, which may not pass a SIGTERM on), then drains and
 * flushes. The startup banner is one JSON line on stdout naming the endpoints and destinations (never
 * a token or a key). Diagnostics (a backend or the Kafka brokers out of reach, records refused) go to
 * stderr, from `OTEL_LOG_LEVEL` up (default `warn`). Exit code 0 after a clean stop, 1 when a port
 * cannot be bound, 2 on a usage or configuration error.
 */
export async function runCollectorCommand(io: CollectorCommandIo, args: string[] = []): Promise<number> {
  let help: boolean | undefined;
  try {
    help = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help;
  } catch (error) {
    io.stderr.write(`otel-logkit collector: ${(error as Error).message}\n${COLLECTOR_USAGE}`);
    return 2;
  }
  if (help) {
    io.stdout.write(COLLECTOR_USAGE);
    return 0;
  }
  let workers: number;
  let collector: Collector | undefined;
  try {
    showDiagnostics(io);
    const index = io.env[WORKER_INDEX_VARIABLE];
    if (cluster.isWorker && index !== undefined) {
      // A worker forked by the primary below: it serves until the primary says stop.
      await runClusterWorker(io.env, Number(index), parseWorkerCount(io.env, 1), (code) => process.exit(code));
      return new Promise<number>(() => {});
    }
    workers = parseWorkerCount(io.env, io.defaultWorkers ?? 1);
    if (workers === 1) collector = createCollector({ env: io.env });
  } catch (error) {
    if (!(error instanceof LogkitError)) throw error;
    io.stderr.write(`otel-logkit collector: ${error.message}\n`);
    return 2;
  }
  let running: { info: object; stop(): Promise<Record<string, number | Record<string, number>>> };
  try {
    running = collector ? await startOne(collector) : await startCluster(io.env, workers);
  } catch (error) {
    if (error instanceof LogkitError) {
      io.stderr.write(`otel-logkit collector: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`otel-logkit collector: cannot listen: ${(error as Error).message}\n`);
    await collector?.stop();
    return 1;
  }
  io.stdout.write(`${JSON.stringify({ message: 'otel-logkit collector started', ...running.info })}\n`);
  warnAboutSpoolsLeftBehind((running.info as { spool?: string }).spool, workers);
  const signals = io.signals ?? process;
  let unwatch = () => {};
  const signal = await new Promise<string>((resolve) => {
    signals.once('SIGTERM', () => resolve('SIGTERM'));
    signals.once('SIGINT', () => resolve('SIGINT'));
    unwatch = watchLauncher(() => resolve('launcher ended'), io.env);
  });
  unwatch();
  const collected = await running.stop();
  io.stdout.write(`${JSON.stringify({ message: 'otel-logkit collector stopped', signal, records_accepted: collected.records_accepted, records_refused: collected.records_refused })}\n`);
  return 0;
}

async function startOne(collector: Collector): Promise<{ info: object; stop(): Promise<Record<string, number | Record<string, number>>> }> {
  const info = await collector.start();
  return {
    info,
    async stop() {
      await collector.stop();
      return collector.stats().collector ?? {};
    },
  };
}

async function startCluster(env: Env, workers: number): Promise<{ info: object; stop(): Promise<Record<string, number | Record<string, number>>> }> {
  const { info, stop } = await startCollectorCluster(env, workers);
  return { info, stop: async () => (await stop()).snapshot.collector ?? {} };
}

const LOG_LEVELS = { none: DiagLogLevel.NONE, error: DiagLogLevel.ERROR, warn: DiagLogLevel.WARN, info: DiagLogLevel.INFO, debug: DiagLogLevel.DEBUG, verbose: DiagLogLevel.VERBOSE, all: DiagLogLevel.ALL };

/**
 * The collector is a process of its own, so it registers the diag logger an application would: one
 * line per message on stderr (stdout carries the JSON banners), from `OTEL_LOG_LEVEL` up (the
 * specification's variable: none, error, warn, info, debug, verbose, all).
 */
function showDiagnostics(io: CollectorCommandIo): void {
  const names = Object.keys(LOG_LEVELS) as (keyof typeof LOG_LEVELS)[];
  const level = LOG_LEVELS[new SettingsReader(io.env).oneOf('OTEL_LOG_LEVEL', names, 'warn')];
  const line =
    (tag: string) =>
    (message: string, ...args: unknown[]): void => {
      const details = args.map(describe);
      io.stderr.write(`${[tag, message, ...details].join(' ')}\n`);
    };
  const logger: DiagLogger = { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug'), verbose: line('verbose') };
  diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
}

function describe(arg: unknown): string {
  if (arg instanceof Error) return arg.message;
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}
