import { GrpcStatus, grpcStatusName } from '../../src/core/grpc-status.js';
import protobuf from 'protobufjs/minimal.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { encodeOtlpProtobuf } from '../codec/encode-protobuf.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import { STATUS_DETAILS_HEADER } from './grpc-transport.js';
import { readPartialSuccess } from './protocol.js';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * OTLP/gRPC for logs, paired with {@link GrpcTransport} (the answer's `status` is the gRPC status
 * code). The body is the OTLP protobuf request as the spool holds it, so spooled batches go out as
 * they are; gRPC compresses messages itself. Classification follows the OTLP/gRPC spec:
 *
 * | gRPC status                                                               | verdict       | reason         |
 * |---------------------------------------------------------------------------|---------------|----------------|
 * | OK                                                                        | `ok` (partial success counted as rejected) | |
 * | UNAVAILABLE, CANCELLED, ABORTED                                           | `retry`       | `unavailable`  |
 * | DEADLINE_EXCEEDED                                                         | `retry`       | `timeout`      |
 * | OUT_OF_RANGE, DATA_LOSS                                                   | `retry`       | `server_error` |
 * | RESOURCE_EXHAUSTED with RetryInfo                                         | `retry`       | `rate_limited` |
 * | RESOURCE_EXHAUSTED, message larger than the server's limit                | `split`       | `too_large`    |
 * | RESOURCE_EXHAUSTED without RetryInfo                                      | `dead-letter` | `rate_limited` |
 * | INTERNAL, UNKNOWN, UNIMPLEMENTED                                          | `dead-letter` | `server_error` |
 * | anything else (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, …)   | `dead-letter` | `refused`      |
 *
 * Retries wait what the server's `RetryInfo` asks, when it says.
 */
export class OtlpGrpcProtocol implements Protocol {
  readonly name = 'otlp';

  encode(records: readonly LogkitRecord[]): WireRequest {
    return { path: '', headers: {}, body: encodeOtlpProtobuf(records) };
  }

  encodeFromOtlp(otlpProtobuf: Uint8Array): WireRequest {
    return { path: '', headers: {}, body: otlpProtobuf };
  }

  classify(response: WireResponse): Verdict {
    const code = response.status;
    if (code === GrpcStatus.OK) {
      const partial = readPartialSuccess(response);
      return partial ? { kind: 'ok', rejected: partial.rejected, message: partial.message } : { kind: 'ok' };
    }
    const message = `${grpcStatusName(code)}: ${String(response.headers['grpc-message'] ?? '')}`;
    const retryAfterMs = retryInfoDelayMs(response);
    switch (code) {
      case GrpcStatus.UNAVAILABLE:
      case GrpcStatus.CANCELLED:
      case GrpcStatus.ABORTED:
        return { kind: 'retry', reason: 'unavailable', message, retryAfterMs };
      case GrpcStatus.DEADLINE_EXCEEDED:
        return { kind: 'retry', reason: 'timeout', message, retryAfterMs };
      case GrpcStatus.OUT_OF_RANGE:
      case GrpcStatus.DATA_LOSS:
        return { kind: 'retry', reason: 'server_error', message, retryAfterMs };
      case GrpcStatus.RESOURCE_EXHAUSTED:
        if (retryAfterMs !== undefined) return { kind: 'retry', reason: 'rate_limited', message, retryAfterMs };
        if (/larger than max/i.test(message)) return { kind: 'split', reason: 'too_large', message };
        return { kind: 'dead-letter', reason: 'rate_limited', message };
      case GrpcStatus.INTERNAL:
      case GrpcStatus.UNKNOWN:
      case GrpcStatus.UNIMPLEMENTED:
        return { kind: 'dead-letter', reason: 'server_error', message };
      default:
        return { kind: 'dead-letter', reason: 'refused', message };
    }
  }
}

/**
 * The delay of a `google.rpc.RetryInfo` in the status details (`google.rpc.Status.details`, field 3,
 * each an `Any` with type_url = 1 and value = 2; `RetryInfo.retry_delay` = 1 is a Duration of
 * seconds = 1 and nanos = 2). Undefined when absent or unreadable.
 */
export function retryInfoDelayMs(response: Pick<WireResponse, 'headers'>): number | undefined {
  const raw = response.headers[STATUS_DETAILS_HEADER];
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    let delay: number | undefined;
    eachField(Buffer.from(raw, 'base64'), (field, reader) => {
      if (field !== 3) return false;
      let type = '';
      let value: Uint8Array | undefined;
      eachField(reader.bytes(), (inner, any) => {
        if (inner === 1) type = any.string();
        else if (inner === 2) value = any.bytes();
        else return false;
        return true;
      });
      if (type === RETRY_INFO_TYPE && value !== undefined) delay = durationMs(value);
      return true;
    });
    return delay;
  } catch {
    // An unreadable detail is no instruction: the retry policy's own backoff applies.
    return undefined;
  }
}

function durationMs(retryInfo: Uint8Array): number | undefined {
  let ms: number | undefined;
  eachField(retryInfo, (field, info) => {
    if (field !== 1) return false;
    let seconds = 0;
    let nanos = 0;
    eachField(info.bytes(), (inner, duration) => {
      if (inner === 1) seconds = Number(duration.int64());
      else if (inner === 2) nanos = duration.int32();
      else return false;
      return true;
    });
    ms = Math.max(0, seconds * 1000 + Math.round(nanos / 1e6));
    return true;
  });
  return ms;
}

/** Calls `read` with each field number of a protobuf message; a field it does not read (returns false) is skipped. */
function eachField(bytes: Uint8Array, read: (field: number, reader: protobuf.Reader) => boolean): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (!read(tag >>> 3, reader)) reader.skipType(tag & 7);
  }
}
