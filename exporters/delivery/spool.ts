import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LogkitError } from '../../src/core/errors.js';
import { encodeFrame, FRAME_HEADER_BYTES, frameIntact, framePayload, readFrameHeader } from './spool-frame.js';
import { takeBuffer } from '../codec/proto-writer.js';
import type { SpoolSettings } from './settings.js';
import { closeSegmentFiles, newSegment, type Segment, type SpoolTicket } from './spool-segment.js';
import { SpoolWriter } from './spool-writer.js';

export type { SpoolTicket } from './spool-segment.js';

/** What `open` found wrong on disk: a torn or corrupt frame, and everything after it in that segment. */
export interface SpoolDamage {
  file: string;
  offset: number;
  bytesSkipped: number;
  /** The record count of the damaged frame when its header was still readable. */
  records: number;
}

const SEGMENT = /^segment-(\d{12})\.spool$/;

/**
 * The durable queue of one destination: append-only segment files `segment-<n>.spool` (mode 0600)
 * of checksummed frames, each an encoded, already-redacted batch, plus a sidecar `.ack` file listing
 * the frames the backend acknowledged. A segment is deleted once every frame in it is acknowledged.
 * On startup every unacknowledged frame is handed out again (at-least-once: a batch in flight when
 * the process died is sent twice). Beyond `maxBytes` the oldest segments are evicted, and counted.
 *
 * A frame is committed when the queue commits records, every few milliseconds, and written at once
 * (SpoolWriter): from then on it is in the operating system's page cache and survives the process
 * being killed, whatever the fsync policy. The policy (`OTEL_LOGKIT_SPOOL_FSYNC`) decides what
 * survives power loss; every fsync runs in libuv's thread pool, never on the application's thread:
 * - `always`: every frame and every acknowledgement is fsynced right after its write — survives
 *   power loss but for the frames whose fsync is still running (a few milliseconds).
 * - `batch` (default): segments are fsynced when closed, at flush and shutdown, and at most once a
 *   second while writing — may lose the last second on power loss.
 * - `never`: left to the OS (typically written back within ~30 s).
 *
 * Methods may throw the file system's error (ENOSPC, EIO, a directory removed under us); background
 * writes report theirs to `onWriteError`. The queue above counts both, carries on from memory and
 * tries again later (see SpoolQueue).
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private readonly pending: SpoolTicket[] = [];
  private pendingHead = 0;
  private active: Segment | undefined;
  private nextSeq = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly writer: SpoolWriter;
  /** Told of a background fsync or acknowledgement that failed (the queue counts it and carries on from memory). */
  onWriteError: (error: unknown) => void = () => {};
  /** After `close`, late acknowledgements are ignored (those batches are replayed: at-least-once). */
  private closed = false;
  bytes = 0;
  pendingRecords = 0;
  /** Frame bytes of the pending batches (what a request assembled from them would roughly weigh). */
  pendingBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly settings: SpoolSettings,
  ) {
    this.writer = new SpoolWriter(settings.fsync, (error) => this.onWriteError(error));
  }

  /** Opens (or creates) the spool in `dir`, scanning what an earlier process left. Never throws on damaged files. */
  static open(dir: string, settings: SpoolSettings, onDamage: (damage: SpoolDamage) => void): Spool {
    const spool = new Spool(dir, settings);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = readdirSync(dir)
      .map((name) => ({ name, match: SEGMENT.exec(name) }))
      .filter((f) => f.match)
      .sort((a, b) => Number(a.match![1]) - Number(b.match![1]));
    for (const { name, match } of files) {
      const seq = Number(match![1]);
      spool.nextSeq = Math.max(spool.nextSeq, seq + 1);
      spool.recover(seq, join(dir, name), onDamage);
    }
    return spool;
  }

  /** Unacknowledged batches left, in memory-free form (records stay on disk until taken). */
  get pendingBatches(): number {
    return this.pending.length - this.pendingHead;
  }

  /**
   * Commits one batch: its frame is written now (page cache) and fsynced per the policy in the
   * background (see SpoolWriter). Returns the ticket and any tickets evicted to respect the size cap.
   * Throws the file system's error (ENOSPC, EIO, a directory removed under us); the batch is then not
   * in the spool and the caller keeps it.
   */
  append(payload: Uint8Array, records: number): { ticket: SpoolTicket; evicted: SpoolTicket[] } {
    if (this.closed) throw new LogkitError('LOGKIT_SHUTDOWN', 'the spool is closed');
    const [header, body] = encodeFrame(payload, records, this.settings.key);
    const size = header.length + body.byteLength;
    let segment = this.active;
    if (!segment || segment.broken || (segment.bytes > 0 && segment.bytes + size > this.settings.segmentBytes)) segment = this.roll();
    const ticket: SpoolTicket = { segment, offset: segment.bytes, size, records, recovered: false, at: Date.now(), state: 'pending' };
    // Written before it is counted: a batch the disk refused is not in the spool at all (the caller keeps it).
    this.writer.commit(ticket, [header, body]);
    segment.bytes += size;
    segment.unsettled++;
    segment.tickets.push(ticket);
    this.bytes += size;
    this.pending.push(ticket);
    this.pendingRecords += records;
    this.pendingBytes += size;
    this.syncSoon();
    return { ticket, evicted: this.enforceCap() };
  }

  /** The oldest batch not yet handed out, left where it is. */
  peek(): SpoolTicket | undefined {
    while (this.pendingHead < this.pending.length) {
      const ticket = this.pending[this.pendingHead]!;
      if (ticket.state === 'pending') return ticket;
      this.pendingHead++;
    }
    return undefined;
  }

  /** The oldest batch not yet handed out. */
  take(): SpoolTicket | undefined {
    while (this.pendingHead < this.pending.length) {
      const ticket = this.pending[this.pendingHead++]!;
      if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
        this.pending.splice(0, this.pendingHead);
        this.pendingHead = 0;
      }
      if (ticket.state !== 'pending') continue;
      ticket.state = 'taken';
      this.pendingRecords -= ticket.records;
      this.pendingBytes -= ticket.size;
      return ticket;
    }
    return undefined;
  }

  /**
   * Reads a taken batch back (into a pooled buffer: see giveBuffer); throws a `LOGKIT_SPOOL_CORRUPT`
   * LogkitError when the frame no longer matches its checksum or cannot be decrypted with the key.
   */
  read(ticket: SpoolTicket): Buffer {
    const frame = takeBuffer(ticket.size).subarray(0, ticket.size);
    this.readFrame(ticket, frame);
    const where = `${ticket.segment.path}:${ticket.offset}`;
    const header = readFrameHeader(frame);
    if (!header || !frameIntact(frame)) throw new LogkitError('LOGKIT_SPOOL_CORRUPT', `spool frame at ${where} is corrupt`);
    try {
      return framePayload(frame, header, this.settings.key);
    } catch (cause) {
      throw new LogkitError('LOGKIT_SPOOL_CORRUPT', `spool frame at ${where} cannot be decrypted: ${(cause as Error).message}`, { cause });
    }
  }

  private readFrame(ticket: SpoolTicket, frame: Buffer): void {
    const own = ticket.segment.fd;
    const fd = own ?? openSync(ticket.segment.path, 'r');
    try {
      readSync(fd, frame, 0, ticket.size, ticket.offset);
    } finally {
      if (own === undefined) closeSync(fd);
    }
  }

  /**
   * The backend has these batches (or they were dead-lettered): they will not be replayed. One write
   * per segment. Each ticket is settled in memory before anything is written, so an I/O error here
   * (thrown) costs at most a duplicate after a restart, never a record.
   */
  ack(tickets: readonly SpoolTicket[]): void {
    if (this.closed) return;
    const entries = new Map<Segment, number[]>();
    for (const ticket of tickets) {
      if (ticket.state === 'done' || ticket.state === 'evicted') continue;
      if (ticket.state === 'pending') {
        this.pendingRecords -= ticket.records;
        this.pendingBytes -= ticket.size;
      }
      ticket.state = 'done';
      const segment = ticket.segment;
      if (segment.removed) continue;
      segment.unsettled--;
      const offsets = entries.get(segment) ?? [];
      offsets.push(ticket.offset);
      entries.set(segment, offsets);
    }
    let failure: unknown;
    for (const [segment, offsets] of entries) {
      try {
        if (segment.closed && segment.unsettled === 0) {
          this.remove(segment);
          continue;
        }
        segment.ackFd ??= openSync(segment.ackPath, 'a', 0o600);
        const entry = Buffer.allocUnsafe(4 * offsets.length);
        offsets.forEach((offset, i) => entry.writeUInt32BE(offset, 4 * i));
        this.writer.writeAck(segment, entry);
        this.syncSoon();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Throws when the active segment is no longer where the next start would look for it (its file or
   * the directory was removed): records written to it from now on would be lost at a restart.
   */
  check(): void {
    const segment = this.active;
    if (segment?.fd === undefined) return;
    if (fstatSync(segment.fd).nlink === 0) throw new Error(`${segment.path} was removed while in use`);
  }

  /**
   * After an I/O error: no more appends to the active segment (its tail may be unusable); the next
   * append starts a new segment, recreating the directory if it was removed. Batches already in the
   * segment stay readable through its open file.
   */
  abandonActive(): void {
    const segment = this.active;
    if (!segment) return;
    this.active = undefined;
    segment.closed = true;
    if (segment.unsettled === 0) this.remove(segment);
  }

  /** Resolves once the background fsyncs and acknowledgements started so far are done. */
  written(): Promise<void> {
    return this.writer.idle();
  }

  /** Flushes to disk whatever the fsync policy has not flushed yet (flush, shutdown). */
  sync(): void {
    if (this.settings.fsync === 'never') return;
    for (const segment of this.segments) {
      if (segment.broken) continue;
      if (segment.fd !== undefined) fsyncSync(segment.fd);
      if (segment.ackFd !== undefined) fsyncSync(segment.ackFd);
    }
  }

  /** Syncs and closes; segments with nothing left to deliver are deleted, so a clean stop leaves an empty directory. */
  close(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.closed = true;
    let failure: unknown;
    try {
      this.sync();
    } catch (error) {
      failure = error;
    }
    // Every file is closed whatever failed before, so no descriptor outlives the spool.
    for (const segment of [...this.segments]) {
      if (segment.unsettled === 0) this.remove(segment);
      else this.closeFiles(segment);
    }
    this.active = undefined;
    if (failure !== undefined) throw failure;
  }

  private recover(seq: number, path: string, onDamage: (damage: SpoolDamage) => void): void {
    const segment = newSegment(seq, path);
    segment.closed = true;
    let data: Buffer;
    let acked = new Set<number>();
    try {
      data = readFileSync(path);
      acked = readAcks(segment.ackPath);
    } catch {
      onDamage({ file: path, offset: 0, bytesSkipped: 0, records: 0 });
      return;
    }
    let offset = 0;
    while (offset < data.length) {
      const header = readFrameHeader(data.subarray(offset));
      const size = header ? FRAME_HEADER_BYTES + header.length : 0;
      if (!header || offset + size > data.length || !frameIntact(data.subarray(offset, offset + size))) {
        // A torn or corrupt frame: nothing after it in this segment can be trusted to be aligned.
        onDamage({ file: path, offset, bytesSkipped: data.length - offset, records: header?.records ?? 0 });
        break;
      }
      if (!acked.has(offset)) {
        const ticket: SpoolTicket = { segment, offset, size, records: header.records, recovered: true, at: 0, state: 'pending' };
        segment.tickets.push(ticket);
        segment.unsettled++;
        this.pending.push(ticket);
        this.pendingRecords += header.records;
        this.pendingBytes += size;
      }
      offset += size;
    }
    segment.bytes = data.length;
    this.bytes += data.length;
    this.segments.push(segment);
    if (segment.unsettled === 0) this.remove(segment);
  }

  private roll(): Segment {
    if (this.active) this.closeSegment(this.active);
    const seq = this.nextSeq++;
    const segment = newSegment(seq, join(this.dir, `segment-${String(seq).padStart(12, '0')}.spool`));
    // The directory may have been removed under us; making it again is how the spool resumes.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    segment.fd = openSync(segment.path, 'w+', 0o600);
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private closeSegment(segment: Segment): void {
    segment.closed = true;
    this.active = undefined;
    if (segment.unsettled === 0) this.remove(segment);
    else if (this.settings.fsync !== 'never') this.writer.syncLater([segment]);
  }

  /** Evicts the oldest closed segments while over the cap; the active segment is never evicted. */
  private enforceCap(): SpoolTicket[] {
    const evicted: SpoolTicket[] = [];
    while (this.bytes > this.settings.maxBytes) {
      const oldest = this.segments.find((s) => s !== this.active);
      if (!oldest) break;
      for (const ticket of oldest.tickets) {
        if (ticket.state === 'pending') {
          this.pendingRecords -= ticket.records;
          this.pendingBytes -= ticket.size;
          ticket.state = 'evicted';
          evicted.push(ticket);
        }
      }
      this.remove(oldest);
    }
    return evicted;
  }

  private remove(segment: Segment): void {
    segment.removed = true;
    this.closeFiles(segment);
    try {
      rmSync(segment.path, { force: true });
      rmSync(segment.ackPath, { force: true });
    } catch {
      // Left behind, its acknowledged frames are skipped at the next start; nothing is lost.
    }
    const at = this.segments.indexOf(segment);
    if (at >= 0) this.segments.splice(at, 1);
    this.bytes -= segment.bytes;
    segment.bytes = 0;
    if (this.active === segment) this.active = undefined;
  }

  private closeFiles(segment: Segment): void {
    closeSegmentFiles(segment);
  }

  /** The `batch` policy: an fsync in the background at most once a second while writing. */
  private syncSoon(): void {
    if (this.settings.fsync !== 'batch' || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.writer.syncLater(this.segments);
    }, 1000);
    this.syncTimer.unref();
  }
}

function readAcks(path: string): Set<number> {
  const out = new Set<number>();
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return out;
  }
  for (let i = 0; i + 4 <= data.length; i += 4) out.add(data.readUInt32BE(i));
  return out;
}
