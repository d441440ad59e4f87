import { fsync, fsyncSync, ftruncateSync, write, writeSync } from 'node:fs';
import type { FsyncPolicy } from './settings.js';
import { closeSegmentFiles, type Segment, type SpoolTicket } from './spool-segment.js';

/**
 * The spool's disk writes, off the application's thread: frames are written (and with `fsync=always`
 * fsynced) in libuv's thread pool, one write at a time, in order, consecutive frames of a segment
 * coalesced into one write. In order and one at a time, so a segment on disk never has a hole: a
 * kill leaves at most a torn tail, which the next start detects. Until its write completes a frame
 * is read from memory; a failed write cuts the segment back to its last good frame, marks it broken
 * (later frames stay in memory) and reports the error, so the queue can carry on without the disk.
 *
 * @example
 * const writer = new SpoolWriter('always', (error) => health.failed(error, 'writing', Date.now()));
 * writer.enqueue(ticket, frameBytes); await writer.idle();
 */
/** One write carries at most this much (consecutive frames coalesced up to it). */
const MAX_WRITE_BYTES = 1024 * 1024;
/** Frames waiting beyond this are written at once, synchronously: a disk slower than the application costs time, not unbounded memory. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

export class SpoolWriter {
  private readonly queue: SpoolTicket[] = [];
  private queuedBytes = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly fsyncPolicy: FsyncPolicy,
    private readonly onError: (error: unknown) => void,
  ) {}

  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** Queues the ticket's frame (which must be its own copy: it is written later). */
  enqueue(ticket: SpoolTicket, frame: Buffer): void {
    ticket.frame = frame;
    ticket.segment.busy++;
    this.queue.push(ticket);
    this.queuedBytes += frame.length;
    if (this.queuedBytes > MAX_BACKLOG_BYTES) this.flushSync();
    else this.next();
  }

  /** Resolves once every queued frame is written (or failed). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * At close: writes what is still queued, synchronously, at its own offsets (a write already running
   * finishes on its own; the descriptor stays open until it has).
   */
  flushSync(): void {
    while (this.queue.length > 0) this.writeGroup(this.takeGroup(), true);
  }

  /** Appends acknowledgement entries in the background (order among them does not matter); fsynced with `always`. */
  writeAck(segment: Segment, entry: Buffer): void {
    const fd = segment.ackFd;
    if (fd === undefined) return;
    segment.busy++;
    write(fd, entry, (error) => {
      if (error || this.fsyncPolicy !== 'always') return this.ackDone(segment, error);
      fsync(fd, (syncError) => this.ackDone(segment, syncError));
    });
  }

  private ackDone(segment: Segment, error: Error | null): void {
    this.release(segment);
    // At worst the batch is sent again after a restart; the queue counts the error.
    if (error) this.onError(error);
  }

  /** fsync in the background (the `batch` policy's once a second); errors surface at the next write. */
  syncLater(segments: readonly Segment[]): void {
    for (const segment of segments) {
      if (segment.fd === undefined || segment.broken) continue;
      segment.busy++;
      fsync(segment.fd, () => this.release(segment));
    }
  }

  private next(): void {
    if (this.running || this.queue.length === 0) {
      if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.writeGroup(this.takeGroup(), false);
  }

  /** The first queued frame and those right after it in the same segment. */
  private takeGroup(): SpoolTicket[] {
    let n = 1;
    let bytes = this.queue[0]!.size;
    while (n < this.queue.length) {
      const last = this.queue[n - 1]!;
      const ticket = this.queue[n]!;
      if (ticket.segment !== last.segment || ticket.offset !== last.offset + last.size || bytes + ticket.size > MAX_WRITE_BYTES) break;
      bytes += ticket.size;
      n++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  private writeGroup(group: SpoolTicket[], sync: boolean): void {
    const segment = group[0]!.segment;
    const fd = segment.fd;
    if (fd === undefined || segment.removed || segment.broken) {
      // Evicted or acknowledged meanwhile (nothing to keep), or after a failure (kept in memory).
      this.settle(group, 'skipped');
      if (!sync) this.next();
      return;
    }
    const bytes = group.length === 1 ? group[0]!.frame! : Buffer.concat(group.map((t) => t.frame!));
    const offset = group[0]!.offset;
    if (sync) {
      try {
        const written = writeSync(fd, bytes, 0, bytes.length, offset);
        if (written !== bytes.length) throw new Error(`short write to ${segment.path} (${written} of ${bytes.length} bytes)`);
        if (this.fsyncPolicy === 'always') fsyncSync(fd);
        this.settle(group, 'written');
      } catch (error) {
        this.settle(group, 'failed', error);
      }
      return;
    }
    this.running = true;
    write(fd, bytes, 0, bytes.length, offset, (error, written) => {
      const failure = error ?? (written !== bytes.length ? new Error(`short write to ${segment.path} (${written} of ${bytes.length} bytes)`) : undefined);
      const finish = (syncError?: Error | null) => {
        this.running = false;
        const problem = failure ?? syncError ?? undefined;
        this.settle(group, problem ? 'failed' : 'written', problem);
        this.next();
      };
      if (failure || this.fsyncPolicy !== 'always') finish();
      else fsync(fd, finish);
    });
  }

  /**
   * A group's write is over. Written: the frames leave memory. Failed: the segment is cut back to its
   * last good frame and broken, the frames stay in memory, the error is reported once. Skipped: the
   * segment is gone (nothing to keep) or broken (the frames stay in memory).
   */
  private settle(group: SpoolTicket[], outcome: 'written' | 'failed' | 'skipped', error?: unknown): void {
    const segment = group[0]!.segment;
    if (outcome === 'written' || (outcome === 'skipped' && segment.removed)) {
      for (const ticket of group) ticket.frame = undefined;
    } else if (outcome === 'failed' && !segment.broken) {
      segment.broken = true;
      try {
        if (segment.fd !== undefined) ftruncateSync(segment.fd, group[0]!.offset);
      } catch {
        // The next start detects the torn tail (checksums) and counts it.
      }
      this.onError(error);
    }
    for (let i = 0; i < group.length; i++) this.release(segment);
  }

  private release(segment: Segment): void {
    segment.busy--;
    if (segment.busy === 0 && segment.closeWhenIdle) closeSegmentFiles(segment);
  }
}
