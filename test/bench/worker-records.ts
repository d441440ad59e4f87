import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { EncodedBatch } from '../../exporters/codec/encoded-batch.js';
import { RecordFrameReader, RecordFrameWriter } from '../../exporters/codec/record-frame.js';
import { FrameRecord } from '../../exporters/codec/frame-record.js';
import { createEnrichmentStage } from '../../processors/enrichment/index.js';
import { resolveConfig } from '../../src/config.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage } from '../../src/core/stage.js';
import { PipelineStats } from '../../src/core/stats.js';
import { LogkitProcessor } from '../../src/processor.js';
import { buildResource } from '../../src/resource.js';
import { standardRecord } from './standard-record.js';

/** What the application's thread hands over: the frames, the first of which defines the records' origin. */
export interface HandedOver {
  /** The NEW_ORIGIN frame (one record), which a reader must see first. */
  origin: Uint8Array;
  /** `n` KNOWN_ORIGIN frames, each copied out of the writer's reused buffer. */
  frames: Uint8Array[];
}

/**
 * `n` standard records as the default pipeline has them on the application's thread just before the
 * hand-over: emitted through the SDK with the pipeline's resource, copied by LogkitProcessor, enriched
 * with the default enrichment (ids, sequence, uid).
 */
export async function enrichedRecords(n: number): Promise<LogkitRecord[]> {
  const config = resolveConfig({ env: { OTEL_SERVICE_NAME: 'shop', OTEL_LOGS_EXPORTER: 'none' } });
  const resource = buildResource(config.resource);
  await resource.waitForAsyncAttributes?.();
  const ctx = { stats: new PipelineStats(), resource };
  const records: LogkitRecord[] = [];
  const handOver: LogStage = {
    write: (record) => {
      records.push(record);
      return 'taken';
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor = new LogkitProcessor(createEnrichmentStage(config.enrichment, ctx, handOver), config.limits, ctx.stats);
  const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('shop.checkout');
  for (let i = 0; i < n; i++) logger.emit(standardRecord(i));
  return records;
}

/**
 * `n` standard records framed by RecordFrameWriter as the hand-over frames them (see enrichedRecords).
 * One record more is framed first: it defines the origin, so the `n` frames are the steady state (a
 * resource and scope already known).
 */
export async function handedOverFrames(n: number): Promise<HandedOver> {
  const writer = new RecordFrameWriter();
  const [origin, ...frames] = (await enrichedRecords(n + 1)).map((record) => Uint8Array.from(writer.frame(record)));
  return { origin: origin!, frames };
}

/** The records as the delivery worker reads them from `handed` (FrameRecords that carry their OTLP bytes). */
export function workerRecords(handed: HandedOver): FrameRecord[] {
  const reader = new RecordFrameReader();
  reader.read(handed.origin);
  return handed.frames.map((frame) => reader.read(frame) as FrameRecord);
}

/**
 * Fresh FrameRecords over the same bytes: a protocol that reads a record's values decodes it and lets its
 * bytes go, so each measured batch needs records nobody has read yet.
 */
export function freshCopies(records: readonly FrameRecord[]): FrameRecord[] {
  return records.map((r) => new FrameRecord(r.bytes, r.resource, r.instrumentationScope));
}

/** The encoded size of `records` as one EncodedBatch: the size hint the queue gives the next batch in steady state. */
export function encodedBatchBytes(records: readonly LogkitRecord[]): number {
  const batch = new EncodedBatch();
  for (const record of records) batch.add(record);
  const bytes = batch.bytes;
  batch.release();
  return bytes;
}
