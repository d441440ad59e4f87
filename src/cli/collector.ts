import type { Writable } from 'node:stream';
import { createCollector } from '../collector/collector.js';
import type { Env } from '../core/env.js';

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
 * destinations (never a token or a key). Exit code 0 after a clean stop, 1 when a port cannot be bound.
 */
export async function runCollectorCommand(io: CollectorCommandIo): Promise<number> {
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
