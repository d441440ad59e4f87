import protobuf from 'protobufjs/minimal.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { Compression } from '../delivery/compress.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import { classifyAnswer } from '../delivery/classify.js';
import type { OtlpProtocolName } from './config.js';
import { encodeOtlpJsonBytes } from '../codec/encode-json.js';
import { encodeOtlpProtobuf } from '../codec/encode-protobuf.js';

/**
 * OTLP/HTTP for logs: one `ExportLogsServiceRequest` per batch, protobuf or JSON, optionally
 * compressed (by the core, off the main thread). Answers follow the OTLP/HTTP spec, which is the
 * core's default classification (429/502/503/504 retried honouring Retry-After, 413 split, any other
 * status permanent); the only refinement is OTLP's own: a 2xx may carry a partial success.
 */
export class OtlpProtocol implements Protocol {
  readonly name = 'otlp';
  private readonly contentType: string;

  constructor(
    private readonly format: Exclude<OtlpProtocolName, 'grpc'>,
    private readonly compression: Compression,
  ) {
    this.contentType = format === 'http/json' ? 'application/json' : 'application/x-protobuf';
  }

  encode(records: readonly LogkitRecord[]): WireRequest {
    if (this.format === 'http/json') return this.request(encodeOtlpJsonBytes(records));
    return this.request(encodeOtlpProtobuf(records));
  }

  /** The spool already holds the batch as OTLP protobuf: with http/protobuf it is sent as it is. */
  encodeFromOtlp(otlpProtobuf: Uint8Array): WireRequest | undefined {
    return this.format === 'http/protobuf' ? this.request(otlpProtobuf) : undefined;
  }

  /** Compression is left to the core, which runs it in the thread pool. */
  private request(encoded: Uint8Array): WireRequest {
    const request: WireRequest = { path: '', headers: { 'Content-Type': this.contentType }, body: encoded };
    if (this.compression !== 'none') request.compress = this.compression;
    return request;
  }

  classify(response: WireResponse): Verdict {
    const verdict = classifyAnswer(response);
    if (verdict.kind !== 'ok') return verdict;
    const partial = readPartialSuccess(response);
    return partial ? { kind: 'ok', rejected: partial.rejected, message: partial.message } : verdict;
  }
}

/** `ExportLogsServiceResponse.partial_success` (field 1: rejected_log_records = 1, error_message = 2), protobuf or JSON. */
export function readPartialSuccess(response: WireResponse): { rejected: number; message?: string } | undefined {
  if (response.body.length === 0) return undefined;
  try {
    const type = String(response.headers['content-type'] ?? '');
    if (type.includes('json')) {
      const parsed = JSON.parse(response.body.toString('utf8')) as { partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string } };
      const partial = parsed.partialSuccess;
      if (!partial) return undefined;
      const rejected = Number(partial.rejectedLogRecords ?? 0);
      return rejected > 0 || partial.errorMessage ? { rejected, message: partial.errorMessage } : undefined;
    }
    const reader = protobuf.Reader.create(response.body);
    let out: { rejected: number; message?: string } | undefined;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
        reader.skipType(tag & 7);
        continue;
      }
      const end = reader.uint32() + reader.pos;
      out = { rejected: 0 };
      while (reader.pos < end) {
        const inner = reader.uint32();
        if (inner >>> 3 === 1 && (inner & 7) === 0) out.rejected = Number(reader.int64());
        else if (inner >>> 3 === 2 && (inner & 7) === 2) out.message = reader.string();
        else reader.skipType(inner & 7);
      }
    }
    return out && (out.rejected > 0 || out.message) ? out : undefined;
  } catch {
    return undefined;
  }
}
