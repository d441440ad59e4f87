import type { LogkitRecord } from '../../src/record.js';

/** TRACE, DEBUG, INFO, WARN, ERROR, FATAL and unspecified (kept like INFO) as 0..5. */
export function severityBand(record: LogkitRecord): number {
  const n = record.severityNumber ?? 0;
  if (n <= 0) return 2;
  return Math.min(5, Math.floor((n - 1) / 4));
}

const BANDS = 6;

/**
 * Decides which record to give up when the in-memory queue is full and there is no spool: the least
 * severe one, oldest first, so a burst of DEBUG lines cannot push out the ERROR that explains it.
 * It keeps only a count per band; finding the victim scans the queue, which happens only under overload.
 */
export class SeverityShedder {
  private readonly counts = new Array<number>(BANDS).fill(0);

  add(record: LogkitRecord): void {
    this.counts[severityBand(record)]!++;
  }

  remove(records: readonly LogkitRecord[]): void {
    for (const record of records) this.counts[severityBand(record)]!--;
  }

  /**
   * Makes room for `incoming` by removing the least severe queued record that is less severe than it.
   * Returns the removed record and the index of the queue it was in, or undefined when `incoming`
   * itself is the one to drop.
   */
  evictFor(incoming: LogkitRecord, queues: readonly LogkitRecord[][]): { victim: LogkitRecord; queue: number } | undefined {
    const band = severityBand(incoming);
    let lowest = 0;
    while (lowest < band && this.counts[lowest] === 0) lowest++;
    if (lowest >= band) return undefined;
    for (let q = 0; q < queues.length; q++) {
      const queue = queues[q]!;
      const at = queue.findIndex((r) => severityBand(r) === lowest);
      if (at >= 0) {
        const [victim] = queue.splice(at, 1);
        this.counts[lowest]!--;
        return { victim: victim!, queue: q };
      }
    }
    return undefined;
  }
}
