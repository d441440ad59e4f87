import type { LogkitRecord } from '../core/record.js';
import { correlationKeyOf } from './tail-deferral.js';
import { fnv1a } from '../core/hash.js';

/** What a worker that owns records answered for those another worker handed it. */
export interface RoutedVerdict {
  /** Records it refused by policy or limits (OTLP `partial_success`). */
  rejected: number;
  message: string;
}

/**
 * Where a record is accepted when the collector runs several workers with tail deferral: every record
 * of one correlation id (global id, else trace id) goes to the one worker that owns the id, so the
 * history held for it is whole and its release complete, whichever worker a sender's connection
 * reached. Records without an id stay where they arrived.
 */
export interface RecordRouter {
  /** This worker's index. */
  readonly self: number;
  /** How many workers share the ids. */
  readonly workers: number;
  /**
   * Hands records (an OTLP protobuf request of them) to the worker that owns them; resolves with what
   * its acceptance answered, rejects with that worker's refusal (429/503) when it could not accept.
   */
  forward(worker: number, body: Buffer): Promise<RoutedVerdict>;
}

/** The worker that owns a record's correlation id; `self` for a record without one. */
export function ownerOf(record: LogkitRecord, router: RecordRouter): number {
  const key = correlationKeyOf(record);
  return key === undefined ? router.self : fnv1a(key) % router.workers;
}

/** The records this worker keeps, and per other worker the records it owns. */
export function splitByOwner(records: readonly LogkitRecord[], router: RecordRouter): { local: LogkitRecord[]; peers: Map<number, LogkitRecord[]> } {
  const local: LogkitRecord[] = [];
  const peers = new Map<number, LogkitRecord[]>();
  for (const record of records) {
    const owner = ownerOf(record, router);
    if (owner === router.self) {
      local.push(record);
      continue;
    }
    let theirs = peers.get(owner);
    if (theirs === undefined) peers.set(owner, (theirs = []));
    theirs.push(record);
  }
  return { local, peers };
}
