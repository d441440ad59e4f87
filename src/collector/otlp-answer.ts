import { ProtoWriter } from '../../exporters/codec/proto-writer.js';

/** The encoding a request arrived in, and so the encoding of its answer (the OTLP/HTTP spec asks for the same). */
export type OtlpEncoding = 'protobuf' | 'json';

/** An HTTP answer the collector sends: status, headers, body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const CONTENT_TYPE: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/**
 * A successful `ExportLogsServiceResponse`: empty, or with `partial_success` naming how many records
 * were refused and why (policy: sampling, rate limits, oversize values), so the sender can count them.
 */
export function successAnswer(encoding: OtlpEncoding, rejected: number, message: string): Answer {
  const headers = { 'content-type': CONTENT_TYPE[encoding] };
  if (encoding === 'json') {
    const body = rejected > 0 ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: message } } : {};
    return { status: 200, headers, body: Buffer.from(JSON.stringify(body)) };
  }
  const writer = new ProtoWriter(256);
  if (rejected > 0) {
    const mark = writer.begin(1);
    writer.tag(1, 0);
    writer.int64(rejected);
    writer.string(2, message);
    writer.end(mark);
  }
  return { status: 200, headers, body: writer.finish() };
}

/**
 * A refusal as the OTLP/HTTP spec asks: a `google.rpc.Status` (code, message) in the request's
 * encoding, plus `Retry-After` on 429/503 so that senders wait and retry instead of dropping.
 */
export function errorAnswer(encoding: OtlpEncoding, status: number, message: string, retryAfterSeconds?: number): Answer {
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE[encoding] };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const code = grpcCode(status);
  if (encoding === 'json') return { status, headers, body: Buffer.from(JSON.stringify({ code, message })) };
  const writer = new ProtoWriter(256 + message.length * 3);
  writer.tag(1, 0);
  writer.varint(code);
  writer.string(2, message);
  return { status, headers, body: writer.finish() };
}

/** The gRPC status code matching an HTTP status, for the Status message. */
function grpcCode(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 408:
      return 4; // DEADLINE_EXCEEDED
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}
