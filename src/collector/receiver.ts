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
import { encodeOtlpProtobuf } from '../../exporters/codec/encode-protobuf.js';
import type { LogkitRecord } from '../core/record.js';
import { type RecordRouter, type RoutedVerdict, splitByOwner } from './owner-routing.js';
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
    /** With several workers and tail deferral: where records of an id another worker owns go. */
    private readonly router?: RecordRouter,
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
      const { rejected, message } = await this.write(decoded.records, this.router);
      const refused = decoded.refused + rejected;
      counts.accepted += total - refused;
      counts.refused += refused;
      if (refused === 0) return { rejected: 0, message: '' };
      const why = [decoded.refused > 0 ? `${decoded.refused} with ${decoded.refusedWhy}` : '', message].filter(Boolean).join('; ');
      return { rejected: refused, message: `refused ${why}` };
    } catch (error) {
      counts.refused += total;
      throw error;
    }
  }

  /**
   * Records another worker received and handed here because this worker owns their correlation ids
   * (see {@link RecordRouter}): accepted on the same terms, counted by the worker that received them.
   */
  async acceptRouted(body: Buffer): Promise<RoutedVerdict> {
    if (this.draining) throw new RequestRefusal(503, 'the collector is shutting down; retry against another instance', 'shutting_down');
    const decoded = this.decoder.decode(body, 'protobuf');
    this.gate.admit(decoded.records.length, body.length);
    return this.write(decoded.records, undefined);
  }

  /**
   * Writes records into the pipeline (those another worker owns, to it) and resolves once all are
   * durable; throws a 503 when one could not be queued. Resolves with the records refused by policy.
   */
  private async write(all: readonly LogkitRecord[], router: RecordRouter | undefined): Promise<RoutedVerdict> {
    const { local, peers } = router === undefined ? { local: all, peers: undefined } : splitByOwner(all, router);
    // Handed over first: the other workers accept while this one writes its share.
    const routed = peers === undefined ? [] : [...peers].map(([worker, records]) => router!.forward(worker, encodeOtlpProtobuf(records)));
    let lost = 0;
    let refusedByPolicy = 0;
    for (const record of local) {
      const verdict = this.entry.write(record);
      if (verdict === 'lost') lost++;
      else if (verdict === 'refused') refusedByPolicy++;
    }
    const answers = await Promise.allSettled(routed);
    if (lost > 0) throw new RequestRefusal(503, `${lost} records could not be queued; retry later`, 'queue_full');
    for (const answer of answers) if (answer.status === 'rejected') throw asRefusal(answer.reason);
    await this.gate.durableNow();
    for (const answer of answers) if (answer.status === 'fulfilled') refusedByPolicy += answer.value.rejected;
    return { rejected: refusedByPolicy, message: refusedByPolicy > 0 ? `${refusedByPolicy} by sampling or redaction policy` : '' };
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

/** What another worker answered, as this request's answer: its refusal, or 503 when it could not be reached. */
function asRefusal(reason: unknown): RequestRefusal {
  if (reason instanceof RequestRefusal) return reason;
  return new RequestRefusal(503, `the worker owning some of these records could not take them (${(reason as Error)?.message ?? reason}); retry later`, 'worker_unavailable');
}
