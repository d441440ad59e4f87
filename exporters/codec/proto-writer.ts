/**
 * A minimal protobuf writer tuned for OTLP log batches. Nested messages are written in one pass: a
 * length prefix is reserved before the content and, in the rare case the guess was short, the
 * content is moved once (copyWithin) — no size pre-pass, no intermediate objects per field.
 */
/** seconds·10^9 of the last second seen by fixed64Time, as low and high 32-bit halves. */
let cachedSeconds = -1;
let cachedLow = 0;
let cachedHigh = 0;

export class ProtoWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = takeBuffer(initialSize);
  }

  /** Hands the buffer back to the pool; the writer (and any view of it) must not be used afterwards. */
  release(): void {
    giveBuffer(this.buf);
    this.buf = EMPTY;
    this.pos = 0;
  }

  /** The bytes written so far, copied out so the writer can be reused. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** The bytes written so far, without a copy: valid until the writer is reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = takeBuffer(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    giveBuffer(this.buf);
    this.buf = next;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A non-negative integer up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    while (value > 127) {
      buf[this.pos++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    buf[this.pos++] = value;
  }

  /** An int64 varint: negative values take ten bytes (two's complement), as protobuf requires. */
  int64(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0) {
      this.varint(value);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /**
   * Nanoseconds since the epoch from an HrTime as fixed64, exact without BigInt. seconds·10^9 is
   * computed as two 32-bit halves (splitting the seconds at bit 16 keeps every product below 2^53)
   * once per distinct second — records arrive in bursts within the same second — then the
   * nanoseconds are added with a carry.
   */
  fixed64Time(time: readonly [number, number]): void {
    this.ensure(8);
    const seconds = Math.trunc(time[0]);
    if (seconds !== cachedSeconds) {
      const high = Math.floor(seconds / 65536) * 1e9; // × 2^16, below 2^47
      const low = (seconds % 65536) * 1e9; // below 2^46
      const sumLow = (high % 65536) * 65536 + (low % 4294967296);
      cachedLow = sumLow % 4294967296;
      cachedHigh = (Math.floor(high / 65536) + Math.floor(low / 4294967296) + Math.floor(sumLow / 4294967296)) % 4294967296;
      cachedSeconds = seconds;
    }
    let lo = cachedLow + Math.trunc(time[1]);
    let hi = cachedHigh;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi = (hi + 1) % 4294967296;
    }
    const buf = this.buf;
    const at = this.pos;
    buf[at] = lo;
    buf[at + 1] = lo >>> 8;
    buf[at + 2] = lo >>> 16;
    buf[at + 3] = lo >>> 24;
    buf[at + 4] = hi;
    buf[at + 5] = hi >>> 8;
    buf[at + 6] = hi >>> 16;
    buf[at + 7] = hi >>> 24;
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-delimited UTF-8 string field. Short ASCII (keys, enum-like values) is copied in JS, sparing a native call. */
  string(field: number, value: string): void {
    this.tag(field, 2);
    const n = value.length;
    if (n < 32) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    const max = n * 3;
    const reserve = varintSize(max);
    this.ensure(reserve + max);
    const start = this.pos + reserve;
    const written = max === 0 ? 0 : this.buf.write(value, start, 'utf8');
    const need = varintSize(written);
    if (need !== reserve) this.buf.copyWithin(this.pos + need, start, start + written);
    this.lengthAt(this.pos, written);
    this.pos += need + written;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.byteLength);
    this.ensure(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }

  /** Copies already-encoded bytes (e.g. a cached resource message) verbatim. */
  raw(value: Uint8Array): void {
    this.ensure(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }

  /** Starts a nested message field; returns the mark to pass to {@link end}. */
  begin(field: number, reserve = 1): number {
    this.tag(field, 2);
    this.ensure(reserve);
    const mark = this.pos * 8 + reserve;
    this.pos += reserve;
    return mark;
  }

  end(mark: number): void {
    const reserve = mark % 8;
    const lengthPos = (mark - reserve) / 8;
    const start = lengthPos + reserve;
    const length = this.pos - start;
    const need = varintSize(length);
    if (need !== reserve) {
      this.ensure(need - reserve);
      this.buf.copyWithin(lengthPos + need, start, this.pos);
      this.pos += need - reserve;
    }
    this.lengthAt(lengthPos, length);
  }

  private lengthAt(at: number, length: number): void {
    const buf = this.buf;
    while (length > 127) {
      buf[at++] = (length & 127) | 128;
      length >>>= 7;
    }
    buf[at] = length;
  }
}

/**
 * Batch-sized buffers (tens to hundreds of KiB) are recycled: allocating and freeing one per batch
 * leaves the process heap fragmented (glibc raises its mmap threshold after such frees), and resident
 * memory climbs under a sustained burst. Only large buffers are pooled, a bounded number of them.
 */
const POOL_MIN = 32 * 1024;
const POOL_MAX_BUFFERS = 32;
const pool: Buffer[] = [];
/** Only memory that came from `takeBuffer` is ever recycled, so a stray view of live data cannot be. */
const ours = new WeakSet<ArrayBufferLike>();
const EMPTY = Buffer.alloc(0);

/** A buffer of at least `size` bytes (contents undefined), recycled when one fits. */
export function takeBuffer(size: number): Buffer {
  if (size >= POOL_MIN) {
    for (let i = pool.length - 1; i >= 0; i--) {
      const candidate = pool[i]!;
      if (candidate.length >= size && candidate.length <= size * 4) {
        pool.splice(i, 1);
        return candidate;
      }
    }
  }
  const fresh = Buffer.allocUnsafeSlow(size);
  if (size >= POOL_MIN) ours.add(fresh.buffer);
  return fresh;
}

/** Returns a buffer obtained from {@link takeBuffer} (or any view of one) once nothing reads it any more. */
export function giveBuffer(buffer: Buffer): void {
  const whole = buffer.buffer;
  if (!ours.has(whole) || !(whole instanceof ArrayBuffer)) return;
  if (pool.length >= POOL_MAX_BUFFERS) pool.shift();
  pool.push(Buffer.from(whole));
}

export function varintSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  if (value < 268435456) return 4;
  return 5;
}
