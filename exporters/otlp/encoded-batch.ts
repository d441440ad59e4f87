import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord } from '../../src/record.js';
import { severityBand } from '../core/severity-shedding.js';
import { writeExportRequest, writeLogRecord } from './encode-protobuf.js';
import { groupBy } from './grouping.js';
import { ProtoWriter } from './proto-writer.js';

/** Where one encoded record sits in the batch's buffer, and what the queue needs to know about it. */
interface Entry {
  start: number;
  end: number;
  resource: Resource;
  scope: InstrumentationScope;
  band: number;
  removed: boolean;
}

/**
 * A batch of records serialised on hand-over: each record is encoded to its OTLP `LogRecord` bytes the
 * moment it is queued, and the record object is let go. Queued records then cost their encoded size
 * (a few hundred bytes in one buffer) instead of a graph of objects that would outlive the young
 * generation, the byte limits are exact, and the request is assembled by copying bytes — the batch is
 * encoded once whatever happens to it (retries, spool, split).
 */
export class EncodedBatch {
  private readonly w: ProtoWriter;
  private readonly entries: Entry[] = [];
  private removed = 0;
  private removedBytes = 0;

  constructor(initialBytes = 16 * 1024) {
    this.w = new ProtoWriter(initialBytes);
  }

  /** Records in the batch (removed ones excluded). */
  get count(): number {
    return this.entries.length - this.removed;
  }

  /** Encoded bytes of the records still in the batch. */
  get bytes(): number {
    return this.w.pos - this.removedBytes;
  }

  /** Encodes and appends one record; returns its encoded size. */
  add(record: LogkitRecord): number {
    const start = this.w.pos;
    writeLogRecord(this.w, record);
    this.entries.push({ start, end: this.w.pos, resource: record.resource, scope: record.instrumentationScope, band: severityBand(record), removed: false });
    return this.w.pos - start;
  }

  /** Removes the oldest record of a severity band (see SeverityShedder); returns its size, or 0 if none. */
  removeOldest(band: number): number {
    const entry = this.entries.find((e) => !e.removed && e.band === band);
    if (!entry) return 0;
    entry.removed = true;
    this.removed++;
    this.removedBytes += entry.end - entry.start;
    return entry.end - entry.start;
  }

  /** The severity band of each record, for the shedder's counts. */
  bands(): number[] {
    return this.entries.filter((e) => !e.removed).map((e) => e.band);
  }

  /**
   * The records in request order (grouped by resource and scope); positions in this list are what
   * `toOtlp(positions)` and a protocol's per-record verdicts refer to.
   */
  order(): number[] {
    const live = this.entries.map((_, i) => i).filter((i) => !this.entries[i]!.removed);
    return groupBy(live, (i) => this.entries[i]!.resource, (i) => this.entries[i]!.scope).flatMap((g) => g.scopes.flatMap((s) => s.records));
  }

  /** The `ExportLogsServiceRequest` of the given entries (default: all, in request order), as an owned buffer. */
  toOtlp(entries: readonly number[] = this.order()): Buffer {
    const groups = groupBy(entries, (i) => this.entries[i]!.resource, (i) => this.entries[i]!.scope);
    const view = this.w.view();
    return Buffer.from(writeExportRequest(groups, (w, i) => w.raw(view.subarray(this.entries[i]!.start, this.entries[i]!.end))));
  }
}
