import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord } from '../../src/core/record.js';
import { severityBand } from '../../src/core/severity.js';
import { assembleExportRequest, writeLogRecord } from './encode-protobuf.js';
import { FrameRecord } from './frame-record.js';
import { groupBy, type ResourceGroup } from './grouping.js';
import { ProtoWriter } from './proto-writer.js';

/** A resource and scope pair; records point to one by index. */
interface Origin {
  resource: Resource;
  scope: InstrumentationScope;
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
  // One slot per record in parallel number arrays (no object per record: nothing for the GC to promote).
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Index into `origins`; -1 once the record is removed. */
  private readonly originOf: number[] = [];
  private readonly bandOf: number[] = [];
  private readonly origins: Origin[] = [];
  private removed = 0;
  private removedBytes = 0;

  /**
   * Sized like the batches before it (`hint`, e.g. the previous batch's size), so a batch is one
   * allocation instead of a chain of doublings whose leftovers wait for the garbage collector.
   */
  constructor(hint = 16 * 1024) {
    this.w = new ProtoWriter(Math.max(1024, Math.ceil(hint * 1.1)));
  }

  /** Records in the batch (removed ones excluded). */
  get count(): number {
    return this.starts.length - this.removed;
  }

  /** Encoded bytes of the records still in the batch. */
  get bytes(): number {
    return this.w.pos - this.removedBytes;
  }

  /** Encodes and appends one record (`band`: its severity band, when the caller has it); returns its encoded size. */
  add(record: LogkitRecord, band = severityBand(record)): number {
    const start = this.w.pos;
    writeLogRecord(this.w, record);
    this.starts.push(start);
    this.ends.push(this.w.pos);
    this.originOf.push(this.origin(record));
    this.bandOf.push(band);
    return this.w.pos - start;
  }

  /** Removes the oldest record of a severity band (see SeverityShedder); returns its size, or 0 if none. */
  removeOldest(band: number): number {
    const i = this.bandOf.findIndex((b, at) => b === band && this.originOf[at]! >= 0);
    if (i < 0) return 0;
    this.originOf[i] = -1;
    this.removed++;
    const size = this.ends[i]! - this.starts[i]!;
    this.removedBytes += size;
    return size;
  }

  /** The severity band of each record, for the shedder's counts. */
  bands(): number[] {
    return this.bandOf.filter((_, i) => this.originOf[i]! >= 0);
  }

  /**
   * The records in request order (grouped by resource and scope); positions in this list are what
   * `toOtlp(positions)` and a protocol's per-record verdicts refer to.
   */
  order(): number[] {
    const live = this.removed === 0 ? Array.from(this.starts, (_, i) => i) : this.starts.map((_, i) => i).filter((i) => this.originOf[i]! >= 0);
    if (this.origins.length === 1) return live;
    return this.grouped(live).flatMap((g) => g.scopes.flatMap((s) => s.records));
  }

  /**
   * The `ExportLogsServiceRequest` of the given entries (default: all, in request order), in a buffer
   * of its own (from the pool: give it back with `giveBuffer` when it is no longer read), each record's
   * bytes copied once, straight into it.
   */
  toOtlp(entries: readonly number[] = this.order()): Buffer {
    const view = this.w.view();
    return assembleExportRequest(this.grouped(entries), {
      sizeOf: (i) => this.ends[i]! - this.starts[i]!,
      copy: (i, out, at) => void view.copy(out, at, this.starts[i]!, this.ends[i]!),
    });
  }

  /**
   * The given entries (default: all, in request order) as records that are views over the batch's
   * bytes (no copy, nothing decoded until read). Valid until the batch is released.
   */
  views(entries: readonly number[] = this.order()): FrameRecord[] {
    const view = this.w.view();
    return entries.map((i) => {
      const origin = this.origins[this.originOf[i]!]!;
      return new FrameRecord(view.subarray(this.starts[i]!, this.ends[i]!), origin.resource, origin.scope);
    });
  }

  private grouped(entries: readonly number[]): ResourceGroup<number>[] {
    // The common case — one logger, one resource — needs no grouping pass.
    if (this.origins.length === 1) return [{ resource: this.origins[0]!.resource, scopes: [{ scope: this.origins[0]!.scope, records: [...entries] }] }];
    return groupBy(entries, (i) => this.origins[this.originOf[i]!]!.resource, (i) => this.origins[this.originOf[i]!]!.scope);
  }

  private origin(record: LogkitRecord): number {
    const last = this.origins.length - 1;
    if (last >= 0 && this.origins[last]!.resource === record.resource && this.origins[last]!.scope === record.instrumentationScope) return last;
    const found = this.origins.findIndex((o) => o.resource === record.resource && o.scope === record.instrumentationScope);
    if (found >= 0) return found;
    this.origins.push({ resource: record.resource, scope: record.instrumentationScope });
    return last + 1;
  }

  /** The batch is done with (sent, spilled, given up): its buffer goes back to the pool. */
  release(): void {
    this.w.release();
  }
}
