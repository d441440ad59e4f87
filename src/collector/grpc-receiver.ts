import { diag } from '@opentelemetry/api';
import type { sendUnaryData, Server, ServerUnaryCall } from '@grpc/grpc-js';
import { loadGrpc } from '../../exporters/otlp/grpc-library.js';
import { GrpcStatus, type GrpcStatusCode, grpcStatusName } from '../core/grpc-status.js';
import { successAnswer } from './otlp-answer.js';
import type { LogsReceiver } from './receiver.js';
import { RequestRefusal } from './request-body.js';
import type { CollectorSettings } from './settings.js';

/** The OTLP logs service method, as the OTLP/gRPC spec names it. */
const EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/**
 * How an HTTP refusal reads in gRPC. Refusals a sender should retry map to codes the OTLP spec calls
 * retryable (`UNAVAILABLE`); `RESOURCE_EXHAUSTED` is retryable only with a RetryInfo detail, so a full
 * queue or spool answers `UNAVAILABLE` instead, and an oversize message `INVALID_ARGUMENT` (never retried).
 */
function grpcCode(status: RequestRefusal['status']): GrpcStatusCode {
  switch (status) {
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 429:
    case 503:
    case 408:
      return GrpcStatus.UNAVAILABLE;
    case 404:
    case 405:
      return GrpcStatus.UNIMPLEMENTED;
    default:
      return GrpcStatus.INVALID_ARGUMENT;
  }
}

/**
 * OTLP/gRPC input of the collector (`LogsService/Export` on `OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT`,
 * default 127.0.0.1:4317): the same acceptance as the HTTP input — limits, bearer token (the
 * `authorization` metadata), room in every destination, durable before the answer — through
 * `@grpc/grpc-js`, which already carries the OTLP/gRPC exporter. Messages are taken as raw bytes and
 * decoded by our codec. grpc-js refuses a message over `maxDecompressedBytes` after inflating it
 * (gzip/deflate), so a compression bomb costs at most that much memory.
 */
export class GrpcLogsInput {
  /** Made at start: the gRPC library (an optional peer) is loaded only by a collector that serves gRPC. */
  private server: Server | undefined;

  constructor(
    private readonly settings: CollectorSettings,
    private readonly receiver: LogsReceiver,
  ) {}

  /** Binds the endpoint; resolves with `host:port` (port 0 picks a free one). */
  async start(): Promise<string> {
    const { Server, ServerCredentials } = await loadGrpc();
    const server = new Server({
      'grpc.max_receive_message_length': this.settings.limits.maxDecompressedBytes,
      'grpc.max_send_message_length': 64 * 1024,
    });
    const raw = (buffer: Buffer) => buffer;
    server.addService(
      { Export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
      { Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.export(call, callback) },
    );
    this.server = server;
    const { host, port } = this.settings.grpcEndpoint!;
    const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const { tls } = this.settings;
    const credentials = tls
      ? ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined)
      : ServerCredentials.createInsecure();
    return new Promise((resolve, reject) =>
      server.bindAsync(hostPort, credentials, (error, bound) => (error ? reject(error) : resolve(`${host.includes(':') ? `[${host}]` : host}:${bound}`))),
    );
  }

  /** Stops taking calls and waits for the ones being handled (at most `timeoutMs`, then cuts them). */
  stop(timeoutMs: number): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, timeoutMs).unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const done = this.receiver.begin();
    const answer = async (): Promise<Buffer> => {
      const header = call.metadata.get('authorization')[0];
      if (!this.receiver.authorized(typeof header === 'string' ? header : header?.toString())) throw new RequestRefusal(401, 'missing or wrong bearer token', 'unauthorized');
      if (this.receiver.draining) throw new RequestRefusal(503, 'the collector is shutting down; retry against another instance', 'shutting_down');
      if (call.request.length > this.settings.limits.maxDecompressedBytes) throw new RequestRefusal(413, 'the message is over the size limit', 'too_large');
      const { rejected, message } = await this.receiver.accept(call.request, 'protobuf', 'grpc');
      return Buffer.from(successAnswer('protobuf', rejected, message).body);
    };
    answer().then(
      (body) => {
        done('grpc_ok');
        callback(null, body);
      },
      (error: unknown) => {
        if (!(error instanceof RequestRefusal)) diag.error('otel-logkit: collector: a gRPC export failed unexpectedly', error);
        const refusal = error instanceof RequestRefusal ? error : new RequestRefusal(503, 'internal error', 'internal_error');
        this.receiver.refused(refusal.reason);
        const code = grpcCode(refusal.status);
        done(`grpc_${grpcStatusName(code).toLowerCase()}`);
        callback({ code, details: refusal.message });
      },
    );
  }
}
