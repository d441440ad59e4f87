import type { LogkitRecord } from '../../src/core/record.js';
import type { OtlpProtobufDecoder } from '../codec/decode-protobuf.js';
import { EncodedBatch } from '../codec/encoded-batch.js';
import { giveBuffer } from '../codec/proto-writer.js';
import { otlpRecordViews } from '../codec/record-views.js';

/**
 * One batch on its way to the backend, whichever form it has: encoded on hand-over (fresh records),
 * or the raw OTLP bytes read back from the spool. Each form is produced at most once and kept:
 * the OTLP request bytes for protocols that send them as they are, and the records for protocols
 * that build a payload of their own (and for the dead-letter file) — records that are views over the
 * batch's bytes, never a whole request decoded back into objects: a protocol decodes only what it reads.
 */
export class OutgoingBatch {
  private otlpBytes: Buffer | undefined;
  /** True when `otlpBytes` came from the buffer pool (assembled here or by the spool queue). */
  private ownsOtlp: boolean;
  private views: LogkitRecord[] | undefined;

  private constructor(
    private readonly decoder: OtlpProtobufDecoder,
    readonly size: number,
    private readonly encoded?: EncodedBatch,
    private readonly positions?: readonly number[],
    otlp?: Buffer,
    ownsOtlp = false,
  ) {
    this.otlpBytes = otlp;
    this.ownsOtlp = ownsOtlp;
  }

  /** `otlp`: the request bytes already assembled from `batch` (pooled, handed over to this batch). */
  static fromEncoded(batch: EncodedBatch, decoder: OtlpProtobufDecoder, otlp?: Buffer): OutgoingBatch {
    const positions = batch.order();
    return new OutgoingBatch(decoder, positions.length, batch, positions, otlp, otlp !== undefined);
  }

  /** From the spool: `count` is the record count the frame header promised; `otlp` is handed over. */
  static fromOtlp(otlp: Buffer, count: number, decoder: OtlpProtobufDecoder): OutgoingBatch {
    return new OutgoingBatch(decoder, count, undefined, undefined, otlp, true);
  }

  /** The batch as an OTLP protobuf `ExportLogsServiceRequest`. */
  otlp(): Buffer {
    if (!this.otlpBytes) {
      this.otlpBytes = this.encoded!.toOtlp(this.positions);
      this.ownsOtlp = true;
    }
    return this.otlpBytes;
  }

  /** Delivery is over: the buffers go back to the pool. Sub-batches from `pick` are left to the GC. */
  release(): void {
    if (this.ownsOtlp && this.otlpBytes) giveBuffer(this.otlpBytes);
    this.otlpBytes = undefined;
    this.encoded?.release();
  }

  /**
   * The records, in request order (the order per-record verdicts refer to), as views over the batch's
   * bytes (FrameRecord): valid until `release`.
   */
  records(): LogkitRecord[] {
    this.views ??= this.encoded ? this.encoded.views(this.positions) : otlpRecordViews(this.otlp(), this.decoder);
    return this.views;
  }

  /** The records at these positions (0-based, request order) as a batch of their own. */
  pick(positions: readonly number[]): OutgoingBatch {
    if (this.encoded && this.positions) {
      const chosen = positions.map((p) => this.positions![p]!);
      return new OutgoingBatch(this.decoder, chosen.length, this.encoded, chosen);
    }
    const records = this.records();
    const batch = new EncodedBatch();
    for (const p of positions) batch.add(records[p]!);
    return OutgoingBatch.fromEncoded(batch, this.decoder);
  }

  /** The first and second halves, for a backend that found the batch too large. */
  halves(): [OutgoingBatch, OutgoingBatch] {
    const [first, second] = this.parts(2);
    return [first!, second!];
  }

  /** `n` consecutive parts of (nearly) equal record counts, in request order. */
  parts(n: number): OutgoingBatch[] {
    const all = Array.from({ length: this.size }, (_, i) => i);
    const per = Math.ceil(this.size / n);
    const out: OutgoingBatch[] = [];
    for (let from = 0; from < this.size; from += per) out.push(this.pick(all.slice(from, from + per)));
    return out;
  }
}
