import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { LogStage } from '../core/stage.js';
import { ReasonCounter } from '../core/stats.js';
import type { AcceptanceGate } from './acceptance.js';
import { type DecodedRequest, RequestDecoder, bodyFormatOf } from './decode-request.js';
import { type Answer, errorAnswer, type OtlpEncoding, successAnswer } from './otlp-answer.js';
import { readRequestBody, RequestRefusal } from './request-body.js';
import type { CollectorSettings } from './settings.js';
import { type Transport, TransportCounts } from './transport-counts.js';

export const LOGS_PATH = '/v1/logs';

/**
 * The OTLP/HTTP logs endpoint: authenticates, reads and decodes one request within the limits, writes
 * its records into the pipeline, and answers only once they are accepted (see {@link AcceptanceGate}).
 * Every request ends in exactly one answer and one counter; nothing a client sends can throw out of here.
 */
export class LogsReceiver {
  private readonly token: Buffer | undefined;
  private readonly decoder: RequestDecoder;
  /** Requests being handled, for a drain at shutdown. */
  inFlight = 0;
  draining = false;
  private idle: (() => void)[] = [];
  private requests = 0;
  /** Per transport, as the OpenTelemetry Collector counts its receivers (see collector-telemetry.ts). */
  readonly transports = new TransportCounts();
  private readonly refusals = new ReasonCounter();
  private readonly statuses = new ReasonCounter();

  constructor(
    private readonly settings: CollectorSettings,
    private readonly entry: LogStage,
    private readonly gate: AcceptanceGate,
  ) {
    this.token = settings.token === undefined ? undefined : Buffer.from(`Bearer ${settings.token}`);
    this.decoder = new RequestDecoder(settings.limits);
  }

  /** The `collector` stats section. */
  read(): Record<string, number | Record<string, number>> {
    const total = this.transports.total();
    return {
      requests: this.requests,
      answers: this.statuses.toJSON(),
      refused: this.refusals.toJSON(),
      records_received: total.received,
      records_accepted: total.accepted,
      records_refused: total.refused,
      wire_bytes_received: total.wireBytes,
      decoded_bytes_received: total.decodedBytes,
      in_flight: this.inFlight,
    };
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests++;
    this.inFlight++;
    const encoding = bodyFormatOf(request.headers['content-type']) ?? 'json';
    this.answerFor(request, encoding)
      .catch((error: unknown) => {
        if (error instanceof RequestRefusal) {
          this.refusals.add(error.reason);
          const retry = error.status === 429 || error.status === 503 ? this.settings.retryAfterSeconds : undefined;
          return errorAnswer(encoding, error.status, error.message, retry);
        }
        diag.error('otel-logkit: collector: a request failed unexpectedly', error);
        this.refusals.add('internal_error');
        return errorAnswer(encoding, 500, 'internal error');
      })
      .then((answer) => this.send(request, response, answer))
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
      });
  }

  /** Resolves when no request is being handled (new ones are refused once `draining` is set). */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async answerFor(request: IncomingMessage, encoding: OtlpEncoding): Promise<Answer> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== LOGS_PATH) throw new RequestRefusal(404, `no such endpoint ${path}; OTLP logs go to ${LOGS_PATH}`, 'not_found');
    if (request.method !== 'POST') throw new RequestRefusal(405, `method ${request.method} not allowed; POST OTLP logs`, 'bad_method');
    if (!this.authorized(request.headers.authorization)) throw new RequestRefusal(401, 'missing or wrong bearer token', 'unauthorized');
    if (bodyFormatOf(request.headers['content-type']) === undefined) {
      throw new RequestRefusal(415, `content-type ${request.headers['content-type'] ?? '(none)'} is not OTLP: use application/x-protobuf or application/json`, 'unsupported_media_type');
    }
    if (this.draining) throw new RequestRefusal(503, 'the collector is shutting down; retry against another instance', 'shutting_down');
    const { body, wireBytes } = await readRequestBody(request, this.settings.limits);
    const { rejected, message } = await this.accept(body, encoding, 'http', wireBytes);
    return successAnswer(encoding, rejected, message);
  }

  /**
   * One OTLP request body, whichever the transport (HTTP here, gRPC in grpc-receiver.ts): decoded within
   * the limits, admitted only when every destination has room, written, and durable before it resolves.
   * Throws a {@link RequestRefusal} (its status says why) when it cannot be accepted; resolves with the
   * number of records refused by policy or limits (OTLP `partial_success`). `wireBytes`: the body's
   * size as it arrived, before decompression.
   */
  async accept(body: Buffer, encoding: OtlpEncoding, transport: Transport, wireBytes = body.length): Promise<{ rejected: number; message: string }> {
    const counts = this.transports.of(transport);
    counts.wireBytes += wireBytes;
    counts.decodedBytes += body.length;
    return this.acceptDecoded(this.decoder.decode(body, encoding), body.length, transport);
  }

  /** Records already decoded (the Kafka input's), on the same terms as {@link accept}. */
  async acceptDecoded(decoded: Pick<DecodedRequest, 'records' | 'refused' | 'refusedWhy'>, bytes: number, transport: Transport): Promise<{ rejected: number; message: string }> {
    const counts = this.transports.of(transport);
    const total = decoded.records.length + decoded.refused;
    counts.received += total;
    try {
      this.gate.admit(decoded.records.length, bytes);
    } catch (error) {
      counts.refused += total;
      throw error;
    }
    const outcome = { lost: 0, refusedByPolicy: 0 };
    for (const record of decoded.records) {
      const verdict = this.entry.write(record);
      if (verdict === 'lost') outcome.lost++;
      else if (verdict === 'refused') outcome.refusedByPolicy++;
    }
    if (outcome.lost > 0) {
      counts.refused += total;
      throw new RequestRefusal(503, `${outcome.lost} records could not be queued; retry later`, 'queue_full');
    }
    await this.gate.durableNow();
    const rejected = decoded.refused + outcome.refusedByPolicy;
    counts.accepted += total - rejected;
    counts.refused += rejected;
    if (rejected === 0) return { rejected: 0, message: '' };
    const why = [decoded.refused > 0 ? `${decoded.refused} with ${decoded.refusedWhy}` : '', outcome.refusedByPolicy > 0 ? `${outcome.refusedByPolicy} by sampling or redaction policy` : '']
      .filter(Boolean)
      .join('; ');
    return { rejected, message: `refused ${why}` };
  }

  /** Counts one request of another transport (gRPC) in this section, and its answer once known. */
  begin(): (status: string) => void {
    this.requests++;
    this.inFlight++;
    return (status) => {
      this.statuses.add(status);
      this.inFlight--;
      if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
    };
  }

  /** Counts a refusal by its reason (for transports that answer refusals themselves). */
  refused(reason: string): void {
    this.refusals.add(reason);
  }

  authorized(header: string | undefined): boolean {
    if (this.token === undefined) return true;
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  private send(request: IncomingMessage, response: ServerResponse, answer: Answer): void {
    this.statuses.add(String(answer.status));
    if (response.headersSent || response.destroyed) return;
    // A refused body may still be arriving: answer, then close instead of reading the rest.
    const unread = !request.complete;
    if (unread) answer.headers.connection = 'close';
    response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    response.end(answer.body, () => {
      if (unread) request.destroy();
    });
  }
}
