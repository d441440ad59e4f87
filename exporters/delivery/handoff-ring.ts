/**
 * A single-producer, single-consumer ring of byte frames in a SharedArrayBuffer: how the application's
 * thread hands encoded records to the delivery worker without a message per record (pino's
 * thread-stream does the same for bytes). The producer never waits: when the ring is full, `write`
 * says so and the caller decides (keep the frame aside, count a loss).
 *
 * Waking the consumer is the expensive part (Atomics.notify to an async waiter measured 0.3–1.4 ms on
 * the producer's thread; a message, 15–50 µs), so it is rare: while records flow the consumer polls
 * (every millisecond); only after it found nothing for a while does it announce sleep, and then the
 * first write calls `onConsumerAsleep` (the owner sends the consumer a message) — once per idle period.
 *
 * Layout: a small Int32 header (positions and flags), then the data area. Each frame is a 4-byte
 * length and its bytes, padded to 4; a frame that does not fit before the end of the data area
 * starts again at 0, behind a WRAP marker.
 *
 * @example
 * const ring = HandoffRing.create(8 << 20);
 * ring.onConsumerAsleep = () => worker.postMessage({ t: 'wake' });
 * ring.write(frame);                    // application thread
 * ring.drain((bytes) => handle(bytes)); // worker, given ring.buffer: HandoffRing.attach(buffer)
 */
const HEAD = 0; // next byte the producer writes
const TAIL = 1; // next byte the consumer reads
const SLEEPING = 2; // 1 while the consumer waits for a message (see onConsumerAsleep)
const WRITTEN = 3; // frames ever written (wraps at 2^32; differences stay right)
const READ = 4; // frames ever read
const CONTROL = 5; // requests from the producer's side (bit flags, see RingControl)
const ANSWER = 6; // the consumer's answer to a control request
const PRODUCER_WAITING = 7; // 1 while the producer waits for room (the consumer then notifies on TAIL)
const HEADER_INTS = 8;
const HEADER_BYTES = HEADER_INTS * 4;
const WRAP = 0xffffffff;

/** Requests the application's thread makes through the ring's header (no message needed, works at exit). */
export const RingControl = {
  /** Drain, write the spool synchronously and answer: the process is exiting. */
  PERSIST: 1,
} as const;

export class HandoffRing {
  private readonly header: Int32Array;
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly size: number;

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
    this.view = new DataView(buffer, HEADER_BYTES);
    this.size = this.data.length;
  }

  /** A new ring with `bytes` of data area (rounded down to a multiple of 4). */
  static create(bytes: number): HandoffRing {
    return new HandoffRing(new SharedArrayBuffer(HEADER_BYTES + (Math.floor(bytes / 4) * 4)));
  }

  /** The same ring seen from another thread. */
  static attach(buffer: SharedArrayBuffer): HandoffRing {
    return new HandoffRing(buffer);
  }

  /** The largest frame the ring can ever take. */
  get maxFrame(): number {
    return this.size / 2 - 8;
  }

  /** Frames written and not yet read: what is on its way to the worker. */
  get pending(): number {
    return (Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) | 0;
  }

  /** Frames the consumer has read, ever (mod 2^32). */
  get consumed(): number {
    return Atomics.load(this.header, READ) >>> 0;
  }

  /** Producer: appends one frame; false when it does not fit now (the ring is full) or ever (too large). */
  write(frame: Uint8Array): boolean {
    const length = frame.length;
    if (length > this.maxFrame) return false;
    const need = 4 + align(length);
    const head = Atomics.load(this.header, HEAD);
    const tail = Atomics.load(this.header, TAIL);
    let at = head;
    if (head >= tail) {
      if (this.size - head < need + (tail === 0 ? 4 : 0)) {
        // Wrap: the frame starts again at 0, which must stay short of the consumer's position.
        if (tail <= need) return false;
        this.view.setUint32(head, WRAP, true);
        at = 0;
      }
    } else if (tail - head <= need) {
      return false;
    }
    this.view.setUint32(at, length, true);
    this.data.set(frame, at + 4);
    const next = at + need === this.size ? 0 : at + need;
    Atomics.store(this.header, HEAD, next);
    Atomics.add(this.header, WRITTEN, 1);
    if (Atomics.load(this.header, SLEEPING) === 1) this.wakeConsumer();
    return true;
  }

  /** Consumer: hands every frame written so far to `take` (a view valid only during the call; `take` must not throw); returns the count. */
  drain(take: (frame: Uint8Array) => void): number {
    const head = Atomics.load(this.header, HEAD);
    let tail = Atomics.load(this.header, TAIL);
    let n = 0;
    while (tail !== head) {
      const length = this.view.getUint32(tail, true);
      if (length === WRAP) {
        tail = 0;
        continue;
      }
      take(this.data.subarray(tail + 4, tail + 4 + length));
      tail += 4 + align(length);
      if (tail === this.size) tail = 0;
      n++;
    }
    Atomics.store(this.header, TAIL, tail);
    Atomics.add(this.header, READ, n);
    if (n > 0 && Atomics.load(this.header, PRODUCER_WAITING) === 1) Atomics.notify(this.header, TAIL);
    return n;
  }

  /**
   * Producer: blocks this thread until the consumer has read something or `timeoutMs` pass. Only for
   * an owner that chose backpressure over loss (a spool is configured and memory is at its bound).
   */
  waitForRoom(timeoutMs: number): void {
    const tail = Atomics.load(this.header, TAIL);
    Atomics.store(this.header, PRODUCER_WAITING, 1);
    this.wakeConsumer();
    Atomics.wait(this.header, TAIL, tail, timeoutMs);
    Atomics.store(this.header, PRODUCER_WAITING, 0);
  }

  /**
   * Consumer: announces it will wait for a message before reading again; false (and nothing
   * announced) when there is already something to read or a request.
   */
  sleep(): boolean {
    Atomics.store(this.header, SLEEPING, 1);
    // Checked after announcing: a write in between sees the flag and wakes us.
    if (Atomics.load(this.header, HEAD) !== Atomics.load(this.header, TAIL) || Atomics.load(this.header, CONTROL) !== 0) {
      Atomics.store(this.header, SLEEPING, 0);
      return false;
    }
    return true;
  }

  /** Producer: called (at most once per sleep) when the consumer announced sleep and there is work for it. */
  onConsumerAsleep: () => void = () => {};

  private wakeConsumer(): void {
    if (Atomics.compareExchange(this.header, SLEEPING, 1, 0) === 1) this.onConsumerAsleep();
  }

  /**
   * Producer: asks the consumer for `request` and blocks this thread until it answers or `timeoutMs`
   * pass — only for the process's `exit` event, where nothing asynchronous can run any more.
   */
  requestSync(request: number, timeoutMs: number): boolean {
    Atomics.store(this.header, ANSWER, 0);
    Atomics.store(this.header, CONTROL, request);
    this.wakeConsumer();
    return Atomics.wait(this.header, ANSWER, 0, timeoutMs) !== 'timed-out' || Atomics.load(this.header, ANSWER) !== 0;
  }

  /** Consumer: the pending control request (0: none). */
  get control(): number {
    return Atomics.load(this.header, CONTROL);
  }

  /** Consumer: the request is done. */
  answer(): void {
    Atomics.store(this.header, CONTROL, 0);
    Atomics.store(this.header, ANSWER, 1);
    Atomics.notify(this.header, ANSWER);
  }
}

function align(n: number): number {
  return (n + 3) & ~3;
}
