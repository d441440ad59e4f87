export { severityBand } from '../../src/core/severity.js';

const BANDS = 6;

/** What the shedder removes records from: batches that can give up their oldest record of a band. */
export interface Sheddable {
  removeOldest(band: number): number;
}

/**
 * Decides which record to give up when the in-memory queue is full and there is no spool: the least
 * severe one, oldest first, so a burst of DEBUG lines cannot push out the ERROR that explains it.
 * It keeps only a count per band; finding the victim scans the batches, which happens only under overload.
 */
export class SeverityShedder {
  private readonly counts = new Array<number>(BANDS).fill(0);

  add(band: number): void {
    this.counts[band]!++;
  }

  remove(bands: readonly number[]): void {
    for (const band of bands) this.counts[band]!--;
  }

  /** Removes the oldest record of the lowest band present, whatever comes in; returns the bytes freed. */
  evictLowest(batches: () => readonly Sheddable[]): number {
    return this.evictFor(BANDS, batches);
  }

  /**
   * Makes room for a record of band `incoming` by removing the oldest queued record of the lowest
   * band below it. Returns the bytes freed, or 0 when the incoming record itself is the one to drop.
   */
  evictFor(incoming: number, batches: () => readonly Sheddable[]): number {
    let lowest = 0;
    while (lowest < incoming && this.counts[lowest] === 0) lowest++;
    if (lowest >= incoming) return 0;
    for (const batch of batches()) {
      const freed = batch.removeOldest(lowest);
      if (freed > 0) {
        this.counts[lowest]!--;
        return freed;
      }
    }
    return 0;
  }
}
