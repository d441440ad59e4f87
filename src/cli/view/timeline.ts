import { isError, type TimelineEntry } from './entry.js';

/** One local execution (request handler, job) of one service, its records in order. */
export interface ExecutionLane {
  service: string;
  /** `correlation.local_id`; undefined for records written outside any execution. */
  localId?: string;
  entries: TimelineEntry[];
  /** Sequence gaps to show before the entry at that index (or at the end when the index is `entries.length`). */
  gapsBefore: Map<number, SequenceGap>;
  errors: number;
  deferred: number;
}

/** Records of one process numbered `from`..`to` that the store does not have (lost, not yet ingested, or sampled out). */
export interface SequenceGap {
  service: string;
  from: number;
  to: number;
}

/** One request across services: its executions grouped by service, everything ordered by time then sequence. */
export interface Timeline {
  correlationId: string;
  /** Services in the order they first wrote, each with its executions in the order they started. */
  services: { name: string; lanes: ExecutionLane[] }[];
  /** Every record in order: time, then sequence, then service. */
  entries: TimelineEntry[];
  gaps: SequenceGap[];
  start: bigint;
  end: bigint;
  errors: number;
  deferred: number;
}

/**
 * Orders and groups the records of one correlation id. Sequence numbers count per global id within one
 * process (nested executions share the counter), so gaps are found per service instance across its
 * executions, and shown in the execution holding the record before the gap.
 */
export function buildTimeline(correlationId: string, records: readonly TimelineEntry[]): Timeline {
  const entries = [...records].sort(byTimeThenSequence);
  const services = new Map<string, Map<string, ExecutionLane>>();
  for (const entry of entries) {
    let lanes = services.get(entry.service);
    if (lanes === undefined) services.set(entry.service, (lanes = new Map()));
    const key = entry.localId ?? '';
    let lane = lanes.get(key);
    if (lane === undefined) lanes.set(key, (lane = { service: entry.service, localId: entry.localId, entries: [], gapsBefore: new Map(), errors: 0, deferred: 0 }));
    lane.entries.push(entry);
    if (isError(entry)) lane.errors++;
    if (entry.deferred) lane.deferred++;
  }
  const gaps = findGaps(entries, services);
  const allLanes = [...services.values()].flatMap((lanes) => [...lanes.values()]);
  return {
    correlationId,
    services: [...services].map(([name, lanes]) => ({ name, lanes: [...lanes.values()] })),
    entries,
    gaps,
    start: entries[0]?.time ?? 0n,
    end: entries.at(-1)?.time ?? 0n,
    errors: allLanes.reduce((n, lane) => n + lane.errors, 0),
    deferred: allLanes.reduce((n, lane) => n + lane.deferred, 0),
  };
}

function byTimeThenSequence(a: TimelineEntry, b: TimelineEntry): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  const sa = a.sequence ?? Number.MAX_SAFE_INTEGER;
  const sb = b.sequence ?? Number.MAX_SAFE_INTEGER;
  if (sa !== sb) return sa - sb;
  return a.service < b.service ? -1 : a.service > b.service ? 1 : 0;
}

/**
 * Per process (service and instance), the numbers missing between 1 and the highest seen. A number
 * seen twice (two instances sharing a name without `service.instance.id`) is not a gap.
 */
function findGaps(entries: readonly TimelineEntry[], services: Map<string, Map<string, ExecutionLane>>): SequenceGap[] {
  const processes = new Map<string, TimelineEntry[]>();
  for (const entry of entries) {
    if (entry.sequence === undefined) continue;
    const key = `${entry.service}\u0000${entry.instance ?? ''}`;
    let list = processes.get(key);
    if (list === undefined) processes.set(key, (list = []));
    list.push(entry);
  }
  const gaps: SequenceGap[] = [];
  for (const list of processes.values()) {
    list.sort((a, b) => a.sequence! - b.sequence!);
    let previous: TimelineEntry | undefined;
    for (const entry of list) {
      const expected = (previous?.sequence ?? 0) + 1;
      if (entry.sequence! > expected) {
        const gap = { service: entry.service, from: expected, to: entry.sequence! - 1 };
        gaps.push(gap);
        // Shown after the record before the gap; a gap at the start is shown before the first record.
        const anchor = previous ?? entry;
        const lane = services.get(anchor.service)!.get(anchor.localId ?? '')!;
        const index = lane.entries.indexOf(anchor) + (previous ? 1 : 0);
        if (!lane.gapsBefore.has(index)) lane.gapsBefore.set(index, gap);
      }
      previous = entry;
    }
  }
  return gaps;
}

/** `1 record`, `3 records`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Offset from the start of the request, for lining executions up across services: `+0 ms`, `+12.3 ms`, `+2.41 s`. */
export function offsetText(nanos: bigint): string {
  const ms = Number(nanos) / 1e6;
  if (ms < 1000) return `+${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  return `+${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
}

/** Wall-clock time of a record, UTC, to the microsecond: `2026-11-22 06:21:07.123456`. */
export function clockText(nanos: bigint): string {
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(nanos % 1_000_000_000n).padStart(9, '0').slice(0, 6)}`;
}
