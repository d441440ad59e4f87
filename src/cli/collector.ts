import type { Writable } from 'node:stream';
import { createCollector } from '../collector/collector.js';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { type Env, SettingsReader } from '../core/env.js';

export interface CollectorCommandIo {
  stdout: Writable;
  stderr: Writable;
  env: Env;
  /** Where SIGTERM/SIGINT are listened for (the process; tests pass their own emitter). */
  signals?: NodeJS.EventEmitter;
}

/**
 * `otel-logkit collector`: runs the collector configured by the environment until SIGTERM or SIGINT,
 * then drains and flushes. The startup banner is one JSON line on stdout naming the endpoints and
 * destinations (never a token or a key). Diagnostics (a backend or the Kafka brokers out of reach,
 * records refused) go to stderr, from `OTEL_LOG_LEVEL` up (default `warn`). Exit code 0 after a clean
 * stop, 1 when a port cannot be bound.
 */
export async function runCollectorCommand(io: CollectorCommandIo): Promise<number> {
  showDiagnostics(io);
  const collector = createCollector({ env: io.env });
  let info;
  try {
    info = await collector.start();
  } catch (error) {
    io.stderr.write(`otel-logkit collector: cannot listen: ${(error as Error).message}\n`);
    await collector.stop();
    return 1;
  }
  io.stdout.write(`${JSON.stringify({ message: 'otel-logkit collector started', ...info })}\n`);
  const signals = io.signals ?? process;
  const signal = await new Promise<string>((resolve) => {
    signals.once('SIGTERM', () => resolve('SIGTERM'));
    signals.once('SIGINT', () => resolve('SIGINT'));
  });
  await collector.stop();
  const collected = collector.stats().collector ?? {};
  io.stdout.write(`${JSON.stringify({ message: 'otel-logkit collector stopped', signal, records_accepted: collected.records_accepted, records_refused: collected.records_refused })}\n`);
  return 0;
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
