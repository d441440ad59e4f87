import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { LogkitError } from '../../src/core/errors.js';
import { encodeFrame, FRAME_HEADER_BYTES, frameIntact, framePayload, readFrameHeader } from './spool-frame.js';
import { takeBuffer } from '../codec/proto-writer.js';
import type { SpoolSettings } from './settings.js';

/** One batch on disk. `recovered` when it was found at startup (written by an earlier process). */
export interface SpoolTicket {
  readonly segment: Segment;
  readonly offset: number;
  readonly size: number;
  readonly records: number;
  readonly recovered: boolean;
  state: 'pending' | 'taken' | 'done' | 'evicted';
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  readonly ackPath: string;
  bytes: number;
  /** Tickets not yet done or evicted; at zero a closed segment is deleted. */
  unsettled: number;
  tickets: SpoolTicket[];
  fd?: number;
  ackFd?: number;
  closed: boolean;
  /** Deleted (fully acknowledged, or evicted); late acknowledgements of its batches are ignored. */
  removed: boolean;
}

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
 * fsync policy (`OTEL_LOGKIT_SPOOL_FSYNC`):
 * - `always`: every frame and every acknowledgement is fsynced before the call returns — survives
 *   power loss, costs a disk flush per batch.
 * - `batch` (default): segments are fsynced when closed, at flush and shutdown, and at most once a
 *   second while writing — survives a process crash (the data is in the OS page cache), may lose the
 *   last second on power loss.
 * - `never`: left to the OS — survives a process crash only.
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private readonly pending: SpoolTicket[] = [];
  private pendingHead = 0;
  private active: Segment | undefined;
  private nextSeq = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  bytes = 0;
  pendingRecords = 0;

  private constructor(
    private readonly dir: string,
    private readonly settings: SpoolSettings,
  ) {}

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

  /** Writes one batch durably (per the fsync policy). Returns the ticket and any tickets evicted to respect the size cap. */
  append(payload: Uint8Array, records: number): { ticket: SpoolTicket; evicted: SpoolTicket[] } {
    const [header, body] = encodeFrame(payload, records, this.settings.key);
    const size = header.length + body.byteLength;
    let segment = this.active;
    if (!segment || (segment.bytes > 0 && segment.bytes + size > this.settings.segmentBytes)) segment = this.roll();
    const written = writevSync(segment.fd!, [header, body], segment.bytes);
    if (written !== size) throw new Error(`short write to ${segment.path} (${written} of ${size} bytes)`);
    const ticket: SpoolTicket = { segment, offset: segment.bytes, size, records, recovered: false, state: 'pending' };
    segment.bytes += size;
    segment.unsettled++;
    segment.tickets.push(ticket);
    this.bytes += size;
    this.pending.push(ticket);
    this.pendingRecords += records;
    this.synced(segment.fd!);
    return { ticket, evicted: this.enforceCap() };
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
    const fd = openSync(ticket.segment.path, 'r');
    try {
      readSync(fd, frame, 0, ticket.size, ticket.offset);
    } finally {
      closeSync(fd);
    }
    const where = `${ticket.segment.path}:${ticket.offset}`;
    const header = readFrameHeader(frame);
    if (!header || !frameIntact(frame)) throw new LogkitError('LOGKIT_SPOOL_CORRUPT', `spool frame at ${where} is corrupt`);
    try {
      return framePayload(frame, header, this.settings.key);
    } catch (cause) {
      throw new LogkitError('LOGKIT_SPOOL_CORRUPT', `spool frame at ${where} cannot be decrypted: ${(cause as Error).message}`, { cause });
    }
  }

  /** The backend has the batch (or it was dead-lettered): it will not be replayed. */
  ack(ticket: SpoolTicket): void {
    if (ticket.state === 'done' || ticket.state === 'evicted') return;
    if (ticket.state === 'pending') this.pendingRecords -= ticket.records;
    ticket.state = 'done';
    const segment = ticket.segment;
    if (segment.removed) return;
    segment.unsettled--;
    if (segment.closed && segment.unsettled === 0) {
      this.remove(segment);
      return;
    }
    segment.ackFd ??= openSync(segment.ackPath, 'a', 0o600);
    const entry = Buffer.allocUnsafe(4);
    entry.writeUInt32BE(ticket.offset, 0);
    writeSync(segment.ackFd, entry);
    this.synced(segment.ackFd);
  }

  /** Flushes to disk whatever the fsync policy has not flushed yet. */
  sync(): void {
    if (this.settings.fsync === 'never') return;
    for (const segment of this.segments) {
      if (segment.fd !== undefined) fsyncSync(segment.fd);
      if (segment.ackFd !== undefined) fsyncSync(segment.ackFd);
    }
  }

  /** Syncs and closes; segments with nothing left to deliver are deleted, so a clean stop leaves an empty directory. */
  close(): void {
    clearTimeout(this.syncTimer);
    this.sync();
    for (const segment of [...this.segments]) {
      if (segment.unsettled === 0) this.remove(segment);
      else this.closeFiles(segment);
    }
    this.active = undefined;
  }

  private recover(seq: number, path: string, onDamage: (damage: SpoolDamage) => void): void {
    const segment = this.segment(seq, path);
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
        const ticket: SpoolTicket = { segment, offset, size, records: header.records, recovered: true, state: 'pending' };
        segment.tickets.push(ticket);
        segment.unsettled++;
        this.pending.push(ticket);
        this.pendingRecords += header.records;
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
    const segment = this.segment(seq, join(this.dir, `segment-${String(seq).padStart(12, '0')}.spool`));
    segment.fd = openSync(segment.path, 'w', 0o600);
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private segment(seq: number, path: string): Segment {
    return { seq, path, ackPath: path.replace(/\.spool$/, '.ack'), bytes: 0, unsettled: 0, tickets: [], closed: false, removed: false };
  }

  private closeSegment(segment: Segment): void {
    if (this.settings.fsync !== 'never' && segment.fd !== undefined) fsyncSync(segment.fd);
    segment.closed = true;
    if (segment.unsettled === 0) this.remove(segment);
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
    rmSync(segment.path, { force: true });
    rmSync(segment.ackPath, { force: true });
    const at = this.segments.indexOf(segment);
    if (at >= 0) this.segments.splice(at, 1);
    this.bytes -= segment.bytes;
    segment.bytes = 0;
    if (this.active === segment) this.active = undefined;
  }

  private closeFiles(segment: Segment): void {
    if (segment.fd !== undefined) closeSync(segment.fd);
    if (segment.ackFd !== undefined) closeSync(segment.ackFd);
    segment.fd = undefined;
    segment.ackFd = undefined;
  }

  private synced(fd: number): void {
    if (this.settings.fsync === 'always') fsyncSync(fd);
    else if (this.settings.fsync === 'batch' && !this.syncTimer) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = undefined;
        try {
          this.sync();
        } catch {
          // The next sync, or closing the segment, tries again.
        }
      }, 1000);
      this.syncTimer.unref();
    }
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
