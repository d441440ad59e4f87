import { OtlpJsonDecoder } from '../../exporters/codec/decode-json.js';
import { RequestFrameError, RequestFrameReader } from '../../exporters/codec/request-frames.js';
import { LOG_TYPE_ATTRIBUTE } from '../core/audit-record.js';
import { LogkitError } from '../core/errors.js';
import { OtlpDouble } from '../core/otlp-values.js';
import type { LogkitRecord, LogValue } from '../core/record.js';
import type { OtlpEncoding } from './otlp-answer.js';
import { RequestRefusal } from './request-body.js';
import type { RequestLimits } from './settings.js';
import { TAIL_ATTRIBUTE_KEYS } from './tail-deferral.js';

/** The encoding named by a request's `Content-Type`, or undefined when it is not OTLP/HTTP. */
export function bodyFormatOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** The records of one request, and how many were refused by the per-record limits (with why). */
export interface DecodedRequest {
  records: LogkitRecord[];
  refused: number;
  refusedWhy?: string;
}

/**
 * Turns a request body into records, or refuses it: not OTLP (400, naming where it broke), nested
 * deeper than the limit (400), more records than the limit (413). A record with a value longer than
 * the limit is refused alone and reported in `partial_success`; the rest of the request goes on.
 * Protobuf records stay their bytes (see `RequestFrameReader`): only records a stage changes are
 * encoded again. One per receiver: it interns the senders' resources across requests.
 */
export class RequestDecoder {
  private readonly frames: RequestFrameReader;

  constructor(private readonly limits: RequestLimits) {
    // The keys a stage looks up on every record: tail deferral's, and sampling's and the queues' audit marker.
    this.frames = new RequestFrameReader({ ...limits, watchedKeys: [...TAIL_ATTRIBUTE_KEYS, LOG_TYPE_ATTRIBUTE] });
  }

  decode(body: Buffer, encoding: OtlpEncoding): DecodedRequest {
    const decoded = encoding === 'json' ? this.json(body) : this.protobuf(body);
    const total = decoded.records.length + decoded.refused;
    if (total > this.limits.maxRecords) {
      throw new RequestRefusal(413, `${total} log records in one request exceed the limit of ${this.limits.maxRecords}`, 'too_many_records');
    }
    return decoded;
  }

  private protobuf(body: Buffer): DecodedRequest {
    try {
      return this.frames.read(body);
    } catch (error) {
      if (error instanceof RequestFrameError) throw new RequestRefusal(400, error.reason === 'too_deep' ? error.message : `malformed protobuf: ${error.message}`, error.reason);
      throw new RequestRefusal(400, `malformed protobuf: ${(error as Error).message}`, 'malformed');
    }
  }

  private json(body: Buffer): DecodedRequest {
    let records: LogkitRecord[];
    try {
      records = new OtlpJsonDecoder(this.limits.maxDepth).decode(JSON.parse(body.toString('utf8')));
    } catch (error) {
      if (error instanceof LogkitError) throw new RequestRefusal(400, `malformed OTLP/JSON: ${error.message}`, 'malformed');
      // A stack overflow here is nesting far beyond any limit: the same answer, no crash.
      throw new RequestRefusal(400, `malformed JSON: ${(error as Error).message}`, 'malformed');
    }
    if (records.length > this.limits.maxRecords) return { records, refused: 0 };
    const kept: LogkitRecord[] = [];
    let refusedWhy: string | undefined;
    for (const record of records) {
      const problem = checkRecord(record, this.limits);
      if (problem === undefined) kept.push(record);
      else refusedWhy ??= problem;
    }
    return { records: kept, refused: records.length - kept.length, refusedWhy };
  }
}

/** Why a record breaks the per-record limits, or undefined. Depth beyond the limit refuses the whole request. */
function checkRecord(record: LogkitRecord, limits: RequestLimits): string | undefined {
  let problem = checkValue(record.body, limits, 1);
  for (const key in record.attributes) {
    if (problem !== undefined) break;
    if (key.length > limits.maxValueBytes) problem = `an attribute key longer than ${limits.maxValueBytes} bytes`;
    else problem = checkValue(record.attributes[key], limits, 1);
  }
  return problem;
}

function checkValue(value: LogValue, limits: RequestLimits, depth: number): string | undefined {
  if (typeof value === 'string') return tooLong(value.length, value, limits.maxValueBytes);
  if (value instanceof Uint8Array) return value.length > limits.maxValueBytes ? `a bytes value longer than ${limits.maxValueBytes} bytes` : undefined;
  if (value === null || typeof value !== 'object' || value instanceof OtlpDouble) return undefined;
  if (depth > limits.maxDepth) throw new RequestRefusal(400, `a value is nested deeper than ${limits.maxDepth} levels`, 'too_deep');
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkValue(item, limits, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key in value) {
    const problem = key.length > limits.maxValueBytes ? `a map key longer than ${limits.maxValueBytes} bytes` : checkValue(value[key], limits, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A string's UTF-8 size is between its length and three times it: measure only when it matters. */
function tooLong(length: number, value: string, max: number): string | undefined {
  if (length * 3 <= max) return undefined;
  return Buffer.byteLength(value) > max ? `a value longer than ${max} bytes` : undefined;
}
