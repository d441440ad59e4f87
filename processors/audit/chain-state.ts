import { randomBytes } from 'node:crypto';
import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { GENESIS_HASH } from './canonical.js';

/** Where a stream's chain stands: what the next record and the next digest link to. */
export interface ChainPosition {
  /** The last sequence number given out (0: none yet). */
  seq: number;
  /** The hash of that record (the genesis hash before the first). */
  lastHash: string;
  /** The last digest's number and signature, and the last sequence it covered. */
  digestSeq: number;
  digestSignature: string;
  coveredThrough: number;
  /** The chain's id, given when it started (`""` for a chain begun before chain ids). */
  chain: string;
}

const SLOT_BYTES = 1024;
const HEADER_BYTES = 8;

/**
 * The chain position of one stream, kept beside the spool in `<dir>/<stream>.state` so the sequence
 * continues across restarts. It is written before each audit record leaves the stage, so nothing
 * that reaches the spool or the wire can carry a sequence number a restart would give out again.
 *
 * Atomic without a rename (a rename per record would cost several syscalls on the emit path): the
 * file has two fixed slots, written alternately with one positioned write each; a slot is
 * `u32 length, u32 CRC-32, JSON` with a write counter, and loading takes the intact slot with the
 * higher counter. A write torn by a crash damages only the slot being written; the other holds the
 * previous position. fsync happens after each digest, asynchronously on libuv's thread pool (a flush
 * to disk takes milliseconds, too long for the emit path), and synchronously at shutdown: a process
 * crash loses nothing; power loss may lose the positions since the last digest, as the spool's
 * `batch` policy may.
 */
export class ChainStateFile {
  private fd: number | undefined;
  private counter = 0;
  private syncing = false;
  /** Reused for every write: the emit path allocates nothing for the state. */
  private readonly slot = Buffer.alloc(SLOT_BYTES);

  private constructor(readonly path: string) {}

  /**
   * Opens (or creates) the state of `stream` in `dir`: the position an earlier process left, or —
   * `fresh` — the start of a new chain (a first start, or the state was lost; the stage opens it with
   * a signed start digest, and the verifier reports every start after a stream's first). Throws the file system's error when the directory is not usable.
   */
  static open(dir: string, stream: string): { file: ChainStateFile; position: ChainPosition; fresh: boolean } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = new ChainStateFile(join(dir, `${encodeURIComponent(stream)}.state`));
    file.fd = openSync(file.path, 'a+', 0o600);
    closeSync(file.fd);
    file.fd = openSync(file.path, 'r+');
    const found = file.load();
    if (found) return { file, position: { ...found, chain: found.chain ?? '' }, fresh: false };
    const position = { seq: 0, lastHash: GENESIS_HASH, digestSeq: 0, digestSignature: '', coveredThrough: 0, chain: randomBytes(8).toString('hex') };
    return { file, position, fresh: true };
  }

  write(position: ChainPosition): void {
    if (this.fd === undefined) return;
    this.counter++;
    const slot = this.slot;
    const length = slot.write(JSON.stringify({ n: this.counter, ...position }), HEADER_BYTES, 'utf8');
    if (length >= SLOT_BYTES - HEADER_BYTES) throw new Error(`chain state larger than a slot (${length} bytes)`);
    slot.writeUInt32BE(length, 0);
    slot.writeUInt32BE(zlib.crc32(slot.subarray(HEADER_BYTES, HEADER_BYTES + length)), 4);
    writeSync(this.fd, slot, 0, HEADER_BYTES + length, (this.counter % 2) * SLOT_BYTES);
  }

  /** Starts a flush to disk off the application's thread, unless one is already running. */
  syncSoon(onError: (error: Error) => void): void {
    if (this.fd === undefined || this.syncing) return;
    this.syncing = true;
    fsync(this.fd, (error) => {
      this.syncing = false;
      if (error && this.fd !== undefined) onError(error); // after close, the synchronous flush there has it

    });
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private load(): ChainPosition | undefined {
    let best: (ChainPosition & { n: number }) | undefined;
    for (const slot of [0, 1]) {
      const found = this.readSlot(slot);
      if (found && (best === undefined || found.n > best.n)) best = found;
    }
    if (!best) return undefined;
    this.counter = best.n;
    const { n: _n, ...position } = best;
    return position;
  }

  private readSlot(slot: number): (ChainPosition & { n: number }) | undefined {
    const buffer = Buffer.alloc(SLOT_BYTES);
    const read = readSync(this.fd!, buffer, 0, SLOT_BYTES, slot * SLOT_BYTES);
    if (read < HEADER_BYTES) return undefined;
    const length = buffer.readUInt32BE(0);
    if (length === 0 || length > read - HEADER_BYTES) return undefined;
    const json = buffer.subarray(HEADER_BYTES, HEADER_BYTES + length);
    if (zlib.crc32(json) !== buffer.readUInt32BE(4)) return undefined;
    try {
      const parsed = JSON.parse(json.toString('utf8')) as ChainPosition & { n: number };
      return Number.isSafeInteger(parsed.n) && Number.isSafeInteger(parsed.seq) && typeof parsed.lastHash === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}
