import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { LOGS_EXPORT_METHOD } from '../../../exporters/otlp/grpc-transport.js';
import { decodeOtlpProtobuf, ExportLogsServiceResponse, type OtlpLogRecord, type OtlpRequest } from '../receiver.js';

const asIs = (bytes: Buffer): Buffer => bytes;

/** The OTLP logs service as grpc-js serves it; messages stay bytes, decoded by the test's own proto. */
const LOGS_SERVICE: ServiceDefinition = {
  Export: {
    path: LOGS_EXPORT_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: asIs,
    requestDeserialize: asIs,
    responseSerialize: asIs,
    responseDeserialize: asIs,
  },
};

export interface GrpcReceived {
  metadata: Record<string, unknown>;
  request: OtlpRequest;
  records: OtlpLogRecord[];
}

/** What the receiver answers to one call: OK (optionally with a partial success), or a status with trailers. */
export type GrpcAnswer =
  | { code: typeof status.OK; rejected?: number; message?: string }
  | { code: status; details?: string; retryDelayMs?: number };

/**
 * A real OTLP/gRPC receiver on 127.0.0.1 (grpc-js `Server` with `LogsService/Export`): it decodes and
 * keeps every call; `answer` scripts the reply to each call in turn, RetryInfo included.
 */
export class GrpcLoopbackReceiver {
  readonly received: GrpcReceived[] = [];
  calls = 0;
  answer: (n: number) => GrpcAnswer = () => ({ code: status.OK });
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly secure: boolean,
  ) {}

  /** `tls`: serve over TLS with this certificate; with `ca`, also require a client certificate signed by it (mTLS). */
  static async start(tls?: { cert: Buffer; key: Buffer; ca?: Buffer }): Promise<GrpcLoopbackReceiver> {
    const server = new Server();
    const receiver = new GrpcLoopbackReceiver(server, tls !== undefined);
    const serverCredentials = tls
      ? ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined)
      : ServerCredentials.createInsecure();
    server.addService(LOGS_SERVICE, { Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => receiver.handle(call, callback) });
    receiver.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', serverCredentials, (error, port) => (error ? reject(error) : resolve(port))),
    );
    return receiver;
  }

  get url(): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get records(): OtlpLogRecord[] {
    return this.received.flatMap((r) => r.records);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.tryShutdown(() => resolve());
      setTimeout(() => this.server.forceShutdown(), 500).unref();
    });
  }

  private handle(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const request = decodeOtlpProtobuf(call.request);
    const answer = this.answer(this.calls++);
    if (answer.code !== status.OK) {
      const trailers = new Metadata();
      if ('retryDelayMs' in answer && answer.retryDelayMs !== undefined) trailers.set('grpc-status-details-bin', retryInfoStatus(answer.code, answer.retryDelayMs));
      callback({ code: answer.code, details: ('details' in answer && answer.details) || status[answer.code], metadata: trailers });
      return;
    }
    const records = (request.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []));
    this.received.push({ metadata: call.metadata.getMap(), request, records });
    const { rejected, message } = answer as { rejected?: number; message?: string };
    const body = rejected ? ExportLogsServiceResponse.encode({ partialSuccess: { rejectedLogRecords: rejected, errorMessage: message } }).finish() : new Uint8Array();
    callback(null, Buffer.from(body));
  }
}

/** A `google.rpc.Status` carrying one `google.rpc.RetryInfo`, hand-encoded (field numbers from the googleapis protos). */
function retryInfoStatus(code: status, delayMs: number): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  };
  const field = (number: number, bytes: number[] | Buffer): number[] => [(number << 3) | 2, ...varint(bytes.length), ...bytes];
  const duration = [(1 << 3) | 0, ...varint(Math.floor(delayMs / 1000)), (2 << 3) | 0, ...varint((delayMs % 1000) * 1e6)];
  const retryInfo = field(1, duration);
  const any = [...field(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), ...field(2, retryInfo)];
  return Buffer.from([(1 << 3) | 0, ...varint(code), ...field(3, any)]);
}
