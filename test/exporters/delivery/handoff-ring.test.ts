import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { HandoffRing, RingControl } from '../../../exporters/delivery/handoff-ring.js';

function frame(i: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, i, true);
  bytes.fill(i & 0xff, 4);
  return bytes;
}

function drainAll(ring: HandoffRing): number[] {
  const seen: number[] = [];
  ring.drain((bytes) => {
    const i = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0, true);
    expect(bytes.subarray(4).every((b) => b === (i & 0xff))).toBe(true);
    seen.push(i);
  });
  return seen;
}

describe('HandoffRing', () => {
  it('hands every frame over once, in order, across many wrap-arounds of odd-sized frames', () => {
    const ring = HandoffRing.create(1024);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 500; round++) {
      // Write until full, then read everything: positions land everywhere, including exactly at the end.
      while (ring.write(frame(next, 5 + ((next * 7) % 61)))) next++;
      seen.push(...drainAll(ring));
      expect(ring.pending).toBe(0);
    }
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(next).toBeGreaterThan(5000);
  });

  it('refuses a frame when full and takes it once the reader made room; never takes one larger than half the ring', () => {
    const ring = HandoffRing.create(256);
    let written = 0;
    while (ring.write(frame(written, 60))) written++;
    expect(written).toBeGreaterThan(1);
    expect(ring.write(frame(99, 60))).toBe(false);
    expect(ring.pending).toBe(written);
    expect(drainAll(ring)).toHaveLength(written);
    expect(ring.write(frame(99, 60))).toBe(true);
    expect(ring.write(new Uint8Array(ring.maxFrame + 1))).toBe(false);
  });

  it('wakes a sleeping consumer in another thread once per sleep, and gets a synchronous answer while the producer blocks', async () => {
    // Room for every frame: this is about waking and answering, not about a full ring.
    const ring = HandoffRing.create(256 * 1024);
    // The consumer runs the real ring code in a worker (through tsx, as the delivery worker does in tests).
    const worker = new Worker(new URL('./fixtures/ring-consumer.ts', import.meta.url), { workerData: ring.buffer, execArgv: ['--import', 'tsx'] });
    const messages: unknown[] = [];
    worker.on('message', (m) => messages.push(m));
    await new Promise((resolve) => worker.once('message', resolve));
    let wakeups = 0;
    ring.onConsumerAsleep = () => {
      wakeups++;
      worker.postMessage('wake');
    };
    for (let i = 0; i < 1000; i++) expect(ring.write(frame(i, 100))).toBe(true);
    expect(wakeups).toBeGreaterThanOrEqual(1);
    // Blocks this thread until the worker has read everything and answered (the exit path).
    expect(ring.requestSync(RingControl.PERSIST, 10_000)).toBe(true);
    expect(ring.pending).toBe(0);
    // One wake-up message per sleep the consumer announced (how often it sleeps depends on the scheduler).
    const expected = { read: 1000, answered: 1, wakes: wakeups };
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && JSON.stringify(messages.at(-1)) !== JSON.stringify(expected)) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(messages.at(-1)).toEqual(expected);
    await worker.terminate();
  });
});
