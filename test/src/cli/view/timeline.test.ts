import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../../../src/cli/view/entry.js';
import { readPaged } from '../../../../src/cli/view/source.js';
import { buildTimeline } from '../../../../src/cli/view/timeline.js';

function entry(service: string, localId: string | undefined, time: number, sequence: number | undefined, body = `${service} ${sequence}`, instance?: string): TimelineEntry {
  return { time: BigInt(time), service, localId, sequence, instance, severity: 'INFO', body, deferred: false, attributes: {} };
}

describe('buildTimeline', () => {
  it('orders by time, then by sequence for records of the same instant, and groups by service and execution in order of appearance', () => {
    const timeline = buildTimeline('id', [
      entry('b', 'b1', 30, 1),
      entry('a', 'a1', 10, 2, 'second of the instant'),
      entry('a', 'a1', 10, 1, 'first of the instant'),
      entry('a', 'a2', 40, 3),
    ]);
    expect(timeline.entries.map((e) => e.body)).toEqual(['first of the instant', 'second of the instant', 'b 1', 'a 3']);
    expect(timeline.services.map((s) => [s.name, s.lanes.map((l) => l.localId)])).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1']],
    ]);
    expect(timeline.gaps).toEqual([]);
  });

  it('finds gaps per process across its executions (nested executions share the counter), including before the first record', () => {
    const timeline = buildTimeline('id', [entry('a', 'outer', 1, 1), entry('a', 'inner', 2, 2), entry('a', 'outer', 5, 5), entry('b', 'b1', 3, 3)]);
    expect(timeline.gaps).toEqual([
      { service: 'a', from: 3, to: 4 },
      { service: 'b', from: 1, to: 2 },
    ]);
    const inner = timeline.services[0].lanes.find((l) => l.localId === 'inner')!;
    expect([...inner.gapsBefore]).toEqual([[1, { service: 'a', from: 3, to: 4 }]]); // after the record numbered 2
    expect([...timeline.services[1].lanes[0].gapsBefore]).toEqual([[0, { service: 'b', from: 1, to: 2 }]]);
  });

  it('counts two instances of one service apart, so their sequences are not mistaken for gaps', () => {
    const timeline = buildTimeline('id', [entry('a', 'x', 1, 1, 'p1', 'pod-1'), entry('a', 'y', 2, 1, 'p2', 'pod-2'), entry('a', 'y', 3, 2, 'p2', 'pod-2')]);
    expect(timeline.gaps).toEqual([]);
  });
});

describe('readPaged', () => {
  /** A time-ordered store answering "from `from` inclusive, at most `size`", as Loki and search_after - 1 do. */
  const store = (times: number[]) => async (from: bigint | undefined, size: number) => {
    const items = times.map((t, i) => ({ t, i })).filter((x) => from === undefined || BigInt(x.t) >= from).slice(0, size);
    return { items, last: items.length > 0 ? BigInt(items.at(-1)!.t) : undefined };
  };

  it('reads every item exactly once when an instant straddles a page boundary or fills whole pages', async () => {
    const times = [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7];
    const { items, notes } = await readPaged(store(times), (x) => String(x.i), { pageSize: 4, maxPageSize: 16, limit: 100 });
    expect(items.map((x) => x.i)).toEqual(times.map((_, i) => i));
    expect(notes).toEqual([]);
  });

  it('stops with a note at the limit, and when one instant holds more than the largest page', async () => {
    const limited = await readPaged(store([1, 2, 3, 4, 5]), (x) => String(x.i), { pageSize: 2, maxPageSize: 2, limit: 3 });
    expect(limited.items).toHaveLength(3);
    expect(limited.notes).toEqual(['stopped at 3 records (raise --limit to read more)']);
    const crowded = await readPaged(store([1, 1, 1, 1, 1, 2]), (x) => String(x.i), { pageSize: 2, maxPageSize: 4, limit: 100 });
    expect(crowded.notes).toEqual(['more than 4 records share one instant; some of them may be missing']);
  });
});
