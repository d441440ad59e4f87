import { processWide } from './core/process-state.js';

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
