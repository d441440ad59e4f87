import { fsync, ftruncateSync, write, writevSync } from 'node:fs';
import type { FsyncPolicy } from './settings.js';
import { closeSegmentFiles, type Segment, type SpoolTicket } from './spool-segment.js';

/**
 * The spool's disk writes. A committed frame is written at once, synchronously: a `pwrite` into the
 * page cache (tens of microseconds for a 5 ms commit), so that what `emit()` handed over survives a
 * kill within the commit interval whatever the machine's load — a write queued for a thread that is
 * not scheduled would not. The slow part, the disk flush, runs in libuv's thread pool: with
 * `fsync=always` an fsync follows each write (coalesced: one in flight per segment, another after it
 * if frames arrived meanwhile), and acknowledgements and the `batch` policy's periodic fsync are
 * background writes too. Frames are written in order, so a segment never has a hole. A failed write
 * cuts the segment back to its last good frame and marks it broken; the caller keeps the batch in
 * memory. Background errors go to `onError`, so the queue counts them and carries on without the disk.
 *
 * @example
 * const writer = new SpoolWriter('always', (error) => health.failed(error, 'writing', Date.now()));
 * writer.commit(ticket, [header, payload]); await writer.idle(); // idle: fsynced too
 */
export class SpoolWriter {
  /** fsyncs and acknowledgement writes in flight. */
  private background = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly syncing = new Set<Segment>();
  private readonly resync = new Set<Segment>();

  constructor(
    private readonly fsyncPolicy: FsyncPolicy,
    private readonly onError: (error: unknown) => void,
  ) {}

  get busy(): boolean {
    return this.background > 0;
  }

  /**
   * Writes the ticket's frame (header and body) at its offset now; with `always`, fsyncs it in the
   * background. Throws the file system's error after cutting the segment back to its last good frame
   * and marking it broken (the next commit starts a new segment).
   */
  commit(ticket: SpoolTicket, frame: [Uint8Array, Uint8Array]): void {
    const segment = ticket.segment;
    const fd = segment.fd;
    if (fd === undefined || segment.broken) throw new Error(`${segment.path} takes no more frames`);
    try {
      const written = writevSync(fd, frame, ticket.offset);
      if (written !== ticket.size) throw new Error(`short write to ${segment.path} (${written} of ${ticket.size} bytes)`);
    } catch (error) {
      segment.broken = true;
      try {
        ftruncateSync(fd, ticket.offset);
      } catch {
        // The next start detects the torn tail (checksums) and counts it.
      }
      throw error;
    }
    if (this.fsyncPolicy === 'always') this.syncInBackground(segment);
  }

  /** Resolves once the background work started so far (fsyncs, acknowledgements) is done. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Appends acknowledgement entries in the background (order among them does not matter); fsynced with `always`. */
  writeAck(segment: Segment, entry: Buffer): void {
    const fd = segment.ackFd;
    if (fd === undefined) return;
    this.begin(segment);
    write(fd, entry, (error) => {
      if (error || this.fsyncPolicy !== 'always') return this.end(segment, error);
      fsync(fd, (syncError) => this.end(segment, syncError));
    });
  }

  /** fsync in the background (the `batch` policy's once a second, a segment closed); one in flight per segment. */
  syncLater(segments: readonly Segment[]): void {
    for (const segment of segments) this.syncInBackground(segment);
  }

  private syncInBackground(segment: Segment): void {
    const fd = segment.fd;
    if (fd === undefined || segment.broken) return;
    if (this.syncing.has(segment)) {
      this.resync.add(segment);
      return;
    }
    this.syncing.add(segment);
    this.begin(segment);
    fsync(fd, (error) => {
      this.syncing.delete(segment);
      const again = this.resync.delete(segment);
      // Another fsync first, so `idle()` does not resolve between the two.
      if (!error && again) this.syncInBackground(segment);
      this.end(segment, error);
    });
  }

  private begin(segment: Segment): void {
    segment.busy++;
    this.background++;
  }

  private end(segment: Segment, error: Error | null): void {
    segment.busy--;
    this.background--;
    if (segment.busy === 0 && segment.closeWhenIdle) closeSegmentFiles(segment);
    // A failed fsync or acknowledgement: counted; at worst a batch is sent again after a restart.
    if (error) this.onError(error);
    if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
