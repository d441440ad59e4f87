import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(fileURLToPath(new URL('./codec/logs.proto', import.meta.url)));
export const ExportLogsServiceRequest = root.lookupType('otlp.ExportLogsServiceRequest');
export const ExportLogsServiceResponse = root.lookupType('otlp.ExportLogsServiceResponse');

/** Decodes an OTLP protobuf body into a plain object (longs as strings, bytes as base64, enums as numbers). */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpRequest {
  return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), { longs: String, bytes: String, defaults: false, arrays: true }) as OtlpRequest;
}

export interface OtlpRequest {
  resourceLogs?: { resource?: { attributes?: KeyValue[] }; scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: OtlpLogRecord[] }[] }[];
}
export interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}
export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: Record<string, unknown>;
  attributes?: KeyValue[];
  eventName?: string;
  traceId?: string;
  spanId?: string;
  flags?: number;
}

export interface Received {
  headers: IncomingMessage['headers'];
  url: string;
  request: OtlpRequest;
  records: OtlpLogRecord[];
  /** The body's size after decompression. */
  bytes: number;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string | Uint8Array } | 'hang';

/**
 * A real OTLP/HTTP receiver on 127.0.0.1 for tests: it decompresses (gzip, zstd), decodes
 * (protobuf or JSON) and keeps every request; `answer` scripts the reply to each request in turn.
 */
export class LoopbackReceiver {
  readonly received: Received[] = [];
  private server!: Server;
  private readonly hung = new Set<ServerResponse>();
  private secure = false;
  /** Requests seen so far, accepted or not. */
  requests = 0;
  /** TCP (or TLS) connections accepted so far. */
  connections = 0;
  /** The reply to request number `n` (0-based, counting refused ones). */
  answer: (n: number, received: Received) => Answer = () => ({ status: 200 });

  static async start(tls?: ServerOptions): Promise<LoopbackReceiver> {
    const receiver = new LoopbackReceiver();
    const handler = (req: IncomingMessage, res: ServerResponse) => receiver.handle(req, res);
    receiver.server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    receiver.secure = tls !== undefined;
    receiver.server.on(tls ? 'secureConnection' : 'connection', () => receiver.connections++);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${port}/v1/logs`;
  }

  /** Every record received, in order, across requests (duplicates included). */
  get records(): OtlpLogRecord[] {
    return this.received.flatMap((r) => r.records);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Buffer = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      if (encoding === 'gzip') body = gunzipSync(body);
      else if (encoding === 'zstd') body = zstdDecompressSync(body);
      const request = String(req.headers['content-type']).includes('json') ? (JSON.parse(body.toString('utf8')) as OtlpRequest) : decodeOtlpProtobuf(body);
      const records = (request.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []));
      const received: Received = { headers: req.headers, url: req.url ?? '', request, records, bytes: body.length };
      const answer = this.answer(this.requests++, received);
      if (answer === 'hang') {
        this.hung.add(res);
        return;
      }
      // Only accepted requests count as received, so tests can count deliveries exactly.
      if (answer.status >= 200 && answer.status < 300) this.received.push(received);
      else this.refused.push(received);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  }

  readonly refused: Received[] = [];
}

/** The string value of a record's body or attribute. */
export function text(value: Record<string, unknown> | undefined): string | undefined {
  return value?.stringValue as string | undefined;
}
