import type { LogkitRecord } from '../../../src/core/record.js';

/** A record waiting in a deferral buffer, with what it costs and where it stands in emission order. */
export interface HeldRecord {
  readonly record: LogkitRecord;
  readonly bytes: number;
  /** Emission order across all buffers of a stage, to merge buffers back into original order. */
  readonly seq: number;
}

/**
 * A FIFO of held records that knows its size in records and bytes. Taking from the front is O(1)
 * (a moving head, compacted now and then), since eviction takes the oldest first.
 */
export class HeldQueue {
  private items: HeldRecord[] = [];
  private head = 0;
  bytes = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: HeldRecord): void {
    this.items.push(item);
    this.bytes += item.bytes;
  }

  /** Removes and returns the oldest record. */
  shift(): HeldRecord | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as HeldRecord;
    this.head++;
    this.bytes -= item.bytes;
    if (this.head >= 64 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue and returns what it held, oldest first. */
  drain(): HeldRecord[] {
    const out = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return out;
  }

  /** Removes and returns the records matching `keep`, oldest first; the others stay in order. */
  extract(match: (item: HeldRecord) => boolean): HeldRecord[] {
    const taken: HeldRecord[] = [];
    const kept: HeldRecord[] = [];
    for (const item of this.drain()) (match(item) ? taken : kept).push(item);
    for (const item of kept) this.push(item);
    return taken;
  }
}

/** Merges runs that are each in emission order into one run in emission order. */
export function mergeInOrder(runs: readonly HeldRecord[][]): HeldRecord[] {
  const nonEmpty = runs.filter((run) => run.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  return nonEmpty.flat().sort((a, b) => a.seq - b.seq);
}
