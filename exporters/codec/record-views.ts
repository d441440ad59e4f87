import protobuf from 'protobufjs/minimal.js';
import type { OtlpProtobufDecoder } from './decode-protobuf.js';
import { readEnvelope } from './decode-protobuf.js';
import { FrameRecord } from './frame-record.js';

/**
 * The records of an OTLP `ExportLogsServiceRequest` (what the spool holds) as views over its bytes:
 * one {@link FrameRecord} per `LogRecord`, its bytes a subarray of `request` (no copy), its resource and
 * scope interned by `origins` so records of one origin share the same objects. Nothing is decoded
 * until a protocol reads a value, and a record nobody changes is copied as the bytes it already is.
 * In request order (the order per-record verdicts refer to). The views live as long as `request`'s
 * memory: once it goes back to the pool, they must not be read.
 */
export function otlpRecordViews(request: Uint8Array, origins: OtlpProtobufDecoder): FrameRecord[] {
  const out: FrameRecord[] = [];
  const reader = protobuf.Reader.create(request);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== ((1 << 3) | 2)) {
      reader.skipType(tag & 7);
      continue;
    }
    const resourceEnd = reader.uint32() + reader.pos;
    const resourceLogs = readEnvelope(reader, resourceEnd);
    const resource = origins.resource(resourceLogs.head, resourceLogs.schemaUrl);
    for (const scopeLogs of resourceLogs.children) {
      reader.pos = scopeLogs.start;
      const { head, children, schemaUrl } = readEnvelope(reader, scopeLogs.end);
      const scope = origins.scope(head, schemaUrl);
      for (const log of children) out.push(new FrameRecord(request.subarray(log.field, log.end), resource, scope));
    }
    reader.pos = resourceEnd;
  }
  return out;
}
