import type { ExitFlush } from './exit-flush.js';
import { processWide } from './core/process-state.js';

/*
 * How the end of the process reaches the pipeline, in one place: signals and beforeExit (a bounded
 * flush), an uncaught exception (held histories released), and the pipeline that `withLogFlush`
 * flushes. The synchronous spool write at the `exit` event belongs to the delivery core
 * (exporters/delivery/persist-at-exit.ts), which is the only part that holds the queues.
 */

/** The pipeline `registerLogPipeline` installed, shared by the ESM and CommonJS copies (for `withLogFlush`). */
export const registered = processWide('registered-pipeline', 1, () => ({ pipeline: undefined as RegisteredFlush | undefined }));

/** What `withLogFlush` needs of the registered pipeline. */
export interface RegisteredFlush {
  forceFlush(): Promise<void>;
  readonly config: { readonly exitTimeoutMs: number };
}

/**
 * When the application is about to die of an uncaught exception or an unhandled rejection, every unit
 * of work still running has failed with it: the held DEBUG histories are released into the queues,
 * synchronously (`uncaughtExceptionMonitor` runs before Node prints the error and exits, and changes
 * nothing about that exit). With a spool, the delivery core's `exit` hook then writes the queues to
 * disk, synchronously, and the next start delivers them; without one they die with the process.
 * Returns the function that removes the hook.
 */
export function releaseHeldOnCrash(releaseHeld: () => void): () => void {
  const onCrash = (): void => {
    try {
      releaseHeld();
    } catch {
      // The process is dying of its own error; ours must not replace it.
    }
  };
  process.on('uncaughtExceptionMonitor', onCrash);
  return () => process.off('uncaughtExceptionMonitor', onCrash);
}

/** What the process-event handlers need of a pipeline. */
export interface EndablePipeline {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  stats(): { pipeline: { received: number } };
}

/**
 * SIGTERM/SIGINT: a bounded shutdown, then the signal ends the process as it would have; beforeExit:
 * a bounded flush of what arrived since the last one. Returns the function that removes the handlers.
 */
export function flushOnProcessEvents(pipeline: EndablePipeline, exit: ExitFlush | undefined, signalTimeoutMs: number): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const done = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // We replaced Node's default handler; if nobody else listens, end the process the way it would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    const timer = setTimeout(done, signalTimeoutMs);
    // The process ends right after: a backend that is down is not waited for.
    const closing = exit ? exit.run(() => pipeline.shutdown(), { processEnding: true }) : pipeline.shutdown();
    void closing.finally(() => {
      clearTimeout(timer);
      done();
    });
  };
  let flushedAt = -1;
  const onBeforeExit = () => {
    // beforeExit fires again after our async flush; flush only when something new arrived.
    const received = pipeline.stats().pipeline.received;
    if (received === flushedAt) return;
    flushedAt = received;
    if (!exit) return;
    void exit.run(() => pipeline.forceFlush(), { processEnding: true }).then((outcome) => {
      // The event loop was empty when beforeExit fired: only our delivery keeps the process up, and it
      // gave up. End it now, with the exit code it would have had, rather than when retries time out.
      if (outcome !== 'flushed') process.exit();
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('beforeExit', onBeforeExit);
  };
}
