import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import { GrpcStatus } from '../../src/core/grpc-status.js';
import { LogkitError } from '../../src/core/errors.js';
import type { Compression } from '../delivery/compress.js';
import type { WireRequest, WireResponse } from '../delivery/protocol.js';
import type { HttpSettings } from '../delivery/settings.js';
import type { Transport } from '../delivery/transport.js';
import { loadGrpc } from './grpc-library.js';

/** The one method of the OTLP logs service (opentelemetry/proto/collector/logs/v1/logs_service.proto). */
export const LOGS_EXPORT_METHOD = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** The trailer that carries a `google.rpc.Status` with details such as `RetryInfo`. */
export const STATUS_DETAILS_HEADER = 'grpc-status-details-bin';

const EMPTY = Buffer.alloc(0);
/** Requests are already OTLP protobuf (encoded once, or read from the spool): sent as they are. */
const asIs = (bytes: Buffer): Buffer => bytes;

/**
 * OTLP/gRPC: each request body (an `ExportLogsServiceRequest`, already encoded) is one unary call of
 * `LogsService/Export` over one HTTP/2 connection (calls are multiplexed; grpc-js reconnects with
 * backoff). The answer goes back to the core as a {@link WireResponse} whose `status` is the **gRPC
 * status code** (0 = OK) and whose headers carry `grpc-message` and the status details (base64), for
 * {@link OtlpGrpcProtocol} to classify. A call that never reached the server (no connection) or ran
 * out of time rejects like a network error, so the core retries it and the pipeline's health watch
 * sees the backend as unreachable.
 *
 * @example
 * const transport = new GrpcTransport(new URL('http://localhost:4317'), http, 'gzip');
 */
export class GrpcTransport implements Transport {
  /** The channel, made at the first call: the gRPC library is loaded only when something is sent. */
  private channel: Promise<{ client: Client; metadata: Metadata }> | undefined;
  private closed = false;

  constructor(
    private readonly endpoint: URL,
    private readonly http: HttpSettings,
    private readonly compression: Compression,
  ) {}

  private open(): Promise<{ client: Client; metadata: Metadata }> {
    this.channel ??= loadGrpc().then(({ Client, credentials, Metadata }) => {
      const { endpoint, http, compression } = this;
      const secure = endpoint.protocol === 'https:';
      const port = endpoint.port || (secure ? '443' : '80');
      const channelCredentials = secure
        ? credentials.createSsl(http.tls.ca ?? null, http.tls.key ?? null, http.tls.cert ?? null)
        : credentials.createInsecure();
      const client = new Client(`${endpoint.hostname}:${port}`, channelCredentials, {
        // 2 = gzip in grpc-js's numbering; gRPC compresses each message itself (grpc-encoding).
        'grpc.default_compression_algorithm': compression === 'gzip' ? 2 : 0,
        'grpc.primary_user_agent': 'otel-logkit',
        // A batch can be large; the server's own limit answers RESOURCE_EXHAUSTED, which splits it.
        'grpc.max_send_message_length': -1,
        // The core's retry policy decides when to try again; grpc-js's own reconnection backoff (1 s,
        // growing) would otherwise hold each retry at a closed port, and a script's exit with it.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
      const metadata = new Metadata();
      // gRPC metadata keys are lowercase; credentials travel here and are never logged.
      for (const [key, value] of Object.entries(http.headers)) metadata.set(key.toLowerCase(), value);
      if (this.closed) client.close();
      return { client, metadata };
    });
    return this.channel;
  }

  async send(request: WireRequest): Promise<WireResponse> {
    const channel = await this.open().catch((cause: unknown) => {
      this.channel = undefined;
      // Counted as a failed attempt like any other; the message carries the install line.
      throw new LogkitError('LOGKIT_EXPORT_FAILED', `${this.endpoint.origin}: ${(cause as Error).message}`, { cause });
    });
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const metadata = channel.metadata.clone();
    for (const [key, value] of Object.entries(request.headers)) metadata.set(key.toLowerCase(), value);
    return new Promise<WireResponse>((resolve, reject) => {
      let answered = false;
      const call = channel.client.makeUnaryRequest(
        LOGS_EXPORT_METHOD,
        asIs,
        asIs,
        body,
        metadata,
        { deadline: Date.now() + this.http.timeoutMs },
        (error: ServiceError | null, response?: Buffer) => {
          if (!error) {
            resolve({ status: GrpcStatus.OK, headers: { 'content-type': 'application/grpc' }, body: response ?? EMPTY });
          } else if (!answered && error.code === GrpcStatus.DEADLINE_EXCEEDED && !fromServer(error)) {
            reject(new LogkitError('LOGKIT_EXPORT_TIMEOUT', `no complete answer from ${this.endpoint.origin} within ${this.http.timeoutMs} ms`));
          } else if (!answered && error.code === GrpcStatus.UNAVAILABLE && !fromServer(error)) {
            reject(new LogkitError('LOGKIT_EXPORT_FAILED', `${this.endpoint.origin}: ${connectionFailure(error.details)}`, { cause: error }));
          } else {
            resolve(answer(error));
          }
        },
      );
      call.on('metadata', () => (answered = true));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const channel = await this.channel?.catch(() => undefined);
    channel?.client.close();
  }
}

/** The failed call's status as the core's answer: the code, the server's message and its status details. */
function answer(error: ServiceError): WireResponse {
  const headers: Record<string, string> = { 'content-type': 'application/grpc', 'grpc-message': error.details };
  const details = error.metadata?.get(STATUS_DETAILS_HEADER)[0];
  if (details !== undefined) headers[STATUS_DETAILS_HEADER] = Buffer.from(details).toString('base64');
  return { status: error.code, headers, body: EMPTY };
}

/** grpc-js's `No connection established. Last error: Error: connect ECONNREFUSED …. Resolution note: ` as `connect ECONNREFUSED …`. */
function connectionFailure(details: string): string {
  return details.replace(/^No connection established\. Last error: (Error: )?/, '').replace(/\.? Resolution note: ?$/, '') || details;
}

/**
 * A server's UNAVAILABLE (overloaded, shutting down) comes with trailers; grpc-js's own, when no
 * connection could be made, with none. Only the latter means the backend cannot be reached.
 */
function fromServer(error: ServiceError): boolean {
  return error.metadata !== undefined && Object.keys(error.metadata.getMap()).length > 0;
}
