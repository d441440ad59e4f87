import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The records a process logs before its delivery worker is up, kept where a kill cannot reach them.
 * The worker takes a few hundred milliseconds to start; until then, with a spool, the application's
 * thread appends each record's frame to a journal file next to the spool instead of holding it in
 * memory, written at most WRITE_EVERY_MS after the record (a SIGKILL does not lose what reached the
 * page cache). The worker reads the journal into its spool when it starts, then removes it; a
 * journal left by a process that died first is read by the next start's worker.
 *
 * The file: frames one after another, each a 4-byte little-endian length and the frame. A frame cut
 * by the kill is ignored.
 */
const WRITE_EVERY_MS = 10;
/** Where a spool's journals are: beside the destinations' folders, removed again once empty. */
export const journalDirOf = (spoolDir: string): string => join(spoolDir, '.handoff');
const WRITE_AT_BYTES = 64 * 1024;
const SUFFIX = '.journal';

export class HandoffJournal {
  private readonly fd: number;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private firstBufferedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private written = 0;
  /** Set when a write failed (a full disk): frames stay in memory from then on, for the ring. */
  failed: Error | undefined;
  /** Frames appended (the journal's records, for the hand-over's counts). */
  appended = 0;

  private constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }

  /** A journal of this process in `dir` (created when missing). */
  static open(dir: string): HandoffJournal {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new HandoffJournal(join(dir, `${process.pid}-${Date.now()}${SUFFIX}`));
  }

  append(frame: Uint8Array): void {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(frame.length, 0);
    if (this.buffered.length === 0) this.firstBufferedAt = Date.now();
    this.buffered.push(head, Uint8Array.from(frame));
    this.bufferedBytes += 4 + frame.length;
    this.appended++;
    // A synchronous burst never lets a timer run: the clock is looked at here too.
    if (this.bufferedBytes >= WRITE_AT_BYTES || Date.now() - this.firstBufferedAt >= WRITE_EVERY_MS) this.write();
    else this.timer ??= setTimeout(() => this.write(), WRITE_EVERY_MS).unref();
  }

  /** Writes what is buffered, synchronously. Never throws: after a failure, frames stay in memory. */
  write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffered.length === 0 || this.closed || this.failed) return;
    const chunk = Buffer.concat(this.buffered, this.bufferedBytes);
    let at = 0;
    try {
      while (at < chunk.length) at += writeSync(this.fd, chunk, at);
    } catch (error) {
      // What was written stays readable (whole frames only); the rest waits in memory.
      this.failed = error as Error;
      ftruncateQuietly(this.fd, this.written);
      return;
    }
    this.written += chunk.length;
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  /**
   * Writes the rest and closes the file; the worker reads it from here on. Returns the frames that
   * could not be written (a full disk), which the caller hands over another way.
   */
  close(): { path: string; unwritten: Uint8Array[] } {
    this.write();
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    const unwritten = this.buffered.filter((_, i) => i % 2 === 1);
    this.buffered = [];
    return { path: this.path, unwritten };
  }
}

/** Calls `onFrame` for each whole frame of a journal; returns how many there were. */
export function readJournal(path: string, onFrame: (frame: Uint8Array) => void): number {
  const bytes = readFileSync(path);
  let at = 0;
  let frames = 0;
  while (at + 4 <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    if (at + 4 + length > bytes.length) break;
    onFrame(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    frames++;
  }
  return frames;
}

/**
 * Journals in `dir` that no living process writes: left by a process killed before its worker read
 * them. A journal named with our own pid is an earlier process's (a container's pid 1 is every
 * start's) when it was opened before this process started.
 */
export function leftoverJournals(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const startedAt = Date.now() - process.uptime() * 1000;
  return readdirSync(dir)
    .filter((name) => name.endsWith(SUFFIX))
    .filter((name) => {
      const [pid, openedAt] = name.slice(0, -SUFFIX.length).split('-').map(Number);
      return pid === process.pid ? openedAt! < startedAt : !alive(pid!);
    })
    .map((name) => join(dir, name));
}

export function removeJournal(path: string): void {
  try {
    unlinkSync(path);
    rmdirSync(dirname(path));
  } catch {
    // Already gone (another start read it first), or another journal is still there.
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ftruncateQuietly(fd: number, length: number): void {
  try {
    ftruncateSync(fd, length);
  } catch {
    // A torn last frame is ignored by the reader anyway.
  }
}
