import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogkitRecord } from '../../src/core/record.js';
import { OtlpProtobufDecoder } from './decode-protobuf.js';
import { FrameRecord } from './frame-record.js';
import { writeExportRequest, writeLogRecord } from './encode-protobuf.js';
import { ProtoWriter } from './proto-writer.js';

/**
 * How one record crosses from the application's thread to the delivery worker: its OTLP `LogRecord`
 * bytes (the same bytes every queue and the spool store, so the worker never encodes it again) and
 * the index of its resource and scope. A resource/scope pair seen for the first time travels once,
 * as a one-record `ExportLogsServiceRequest`; later records name it by index.
 *
 *   byte 0      kind: KNOWN_ORIGIN or NEW_ORIGIN
 *   bytes 1–4   origin index (uint32, little endian)
 *   bytes 5–    KNOWN_ORIGIN: one `ScopeLogs.log_records` field; NEW_ORIGIN: the request
 */
const KNOWN_ORIGIN = 1;
const NEW_ORIGIN = 2;
const PREFIX = 5;

/** Application side: encodes records into frames. One per ring (origin indexes are per writer). */
export class RecordFrameWriter {
  private readonly w = new ProtoWriter(16 * 1024);
  /** Each origin's NEW_ORIGIN frame (copied), for a reader that starts later (see RecordFrameReader.learn). */
  readonly definitions: Uint8Array[] = [];
  private readonly origins = new Map<Resource, Map<InstrumentationScope, number>>();
  private nextOrigin = 0;

  /** The frame of `record`: a view into a reused buffer, valid until the next call. */
  frame(record: LogkitRecord): Uint8Array {
    const w = this.w;
    w.reset();
    let scopes = this.origins.get(record.resource);
    if (scopes === undefined) this.origins.set(record.resource, (scopes = new Map()));
    let origin = scopes.get(record.instrumentationScope);
    if (origin !== undefined) {
      w.raw(prefix(KNOWN_ORIGIN, origin));
      writeLogRecord(w, record);
      return w.view();
    }
    origin = this.nextOrigin++;
    scopes.set(record.instrumentationScope, origin);
    const request = writeExportRequest([{ resource: record.resource, scopes: [{ scope: record.instrumentationScope, records: [record] }] }], writeLogRecord);
    w.raw(prefix(NEW_ORIGIN, origin));
    w.raw(request);
    this.definitions.push(Uint8Array.from(w.view()));
    return w.view();
  }
}

/**
 * Worker side: frames back into records that stay bytes (see FrameRecord): a record no stage
 * changes is never decoded into objects, nor encoded again.
 */
export class RecordFrameReader {
  private readonly decoder = new OtlpProtobufDecoder();
  private readonly origins: { resource: Resource; scope: InstrumentationScope }[] = [];

  /** Learns the origin a NEW_ORIGIN frame defines (a restarted worker, given the definitions its predecessor read). */
  learn(definition: Uint8Array): void {
    this.read(definition);
  }

  read(frame: Uint8Array): LogkitRecord {
    const origin = frame[1]! | (frame[2]! << 8) | (frame[3]! << 16) | (frame[4]! << 24);
    if (frame[0] === NEW_ORIGIN) {
      const [record] = this.decoder.decode(frame.subarray(PREFIX));
      if (record === undefined) throw new Error('a record frame without a record');
      this.origins[origin] = { resource: record.resource, scope: record.instrumentationScope };
      return record;
    }
    const known = this.origins[origin];
    if (frame[0] !== KNOWN_ORIGIN || known === undefined) throw new Error(`a record frame of unknown origin ${origin}`);
    // Copied out of the ring: the frame's memory is reused once the read returns.
    return new FrameRecord(Buffer.copyBytesFrom(frame, PREFIX), known.resource, known.scope);
  }
}

const head = new Uint8Array(PREFIX);

/** The frame's first bytes, in a reused buffer (copied into the frame at once). */
function prefix(kind: number, origin: number): Uint8Array {
  const bytes = head;
  bytes[0] = kind;
  bytes[1] = origin & 0xff;
  bytes[2] = (origin >>> 8) & 0xff;
  bytes[3] = (origin >>> 16) & 0xff;
  bytes[4] = (origin >>> 24) & 0xff;
  return bytes;
}
