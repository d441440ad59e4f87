import { closeSync } from 'node:fs';

/** One batch in the spool. `recovered` when it was found at startup (written by an earlier process). */
export interface SpoolTicket {
  readonly segment: Segment;
  readonly offset: number;
  readonly size: number;
  readonly records: number;
  readonly recovered: boolean;
  /** When it was committed (ms since the epoch); 0 for a recovered batch, which is due at once. */
  readonly at: number;
  state: 'pending' | 'taken' | 'done' | 'evicted';
}

/** One segment file and its acknowledgement sidecar. */
export interface Segment {
  readonly seq: number;
  readonly path: string;
  readonly ackPath: string;
  bytes: number;
  /** Tickets not yet done or evicted; at zero a closed segment is deleted. */
  unsettled: number;
  tickets: SpoolTicket[];
  /** Open for reading and writing: a batch stays readable through it even if the file is unlinked under us. */
  fd?: number;
  ackFd?: number;
  closed: boolean;
  /** Deleted (fully acknowledged, or evicted); late acknowledgements of its batches are ignored. */
  removed: boolean;
  /** Writes and fsyncs queued or running in the background: the files are closed only once this is 0. */
  busy: number;
  /** Closing was asked for while `busy`. */
  closeWhenIdle: boolean;
  /** A write failed: nothing more is written to it (the next commit starts a new segment). */
  broken: boolean;
}

export function newSegment(seq: number, path: string): Segment {
  return { seq, path, ackPath: path.replace(/\.spool$/, '.ack'), bytes: 0, unsettled: 0, tickets: [], closed: false, removed: false, busy: 0, closeWhenIdle: false, broken: false };
}

/** Closes the segment's files now, or once its background writes are done (a descriptor is never closed under a write). */
export function closeSegmentFiles(segment: Segment): void {
  if (segment.busy > 0) {
    segment.closeWhenIdle = true;
    return;
  }
  segment.closeWhenIdle = false;
  const fds = [segment.fd, segment.ackFd];
  segment.fd = undefined;
  segment.ackFd = undefined;
  for (const fd of fds) {
    try {
      if (fd !== undefined) closeSync(fd);
    } catch {
      // Closing cannot fail in a way we could act on (EIO is reported by fsync, which comes first).
    }
  }
}
