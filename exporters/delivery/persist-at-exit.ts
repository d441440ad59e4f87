/**
 * The last chance of a process that ends with `process.exit()` (or a fatal exception): at the `exit`
 * event only synchronous work runs, so each registered spool writes what it accepted — the open batch
 * and frames still queued for the background writer — synchronously, as pino's thread-stream flushes
 * its worker with Atomics.wait. Without it, records handed over in the last milliseconds before an
 * explicit exit would be lost even though the process was not killed. One `exit` listener for all.
 *
 * @example
 * const unregister = persistOnExit(() => queue.persist());
 * // at shutdown:
 * unregister();
 */
const flushers = new Set<() => void>();

/** Every registered spool writes what it accepted, now (the delivery worker's answer to a process exit). */
export function persistEveryQueueNow(): void {
  onExit();
}

function onExit(): void {
  for (const flush of flushers) {
    try {
      flush();
    } catch {
      // Nothing can be reported any more; the next start finds what reached the disk.
    }
  }
}

export function persistOnExit(flush: () => void): () => void {
  if (flushers.size === 0) process.on('exit', onExit);
  flushers.add(flush);
  return () => {
    flushers.delete(flush);
    if (flushers.size === 0) process.off('exit', onExit);
  };
}
