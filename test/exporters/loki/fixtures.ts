import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogkitRecord, LogMap, LogValue } from '../../../src/core/record.js';
import type { Protocol, Verdict, WireResponse } from '../../../exporters/delivery/protocol.js';
import { compressRequest } from '../../../exporters/delivery/compress.js';

/** A record as the pipeline hands it to an exporter (already snapshotted, attributes a null-prototype map). */
export function makeRecord(fields: {
  body?: LogValue;
  severity?: SeverityNumber;
  severityText?: string;
  scope?: string;
  attributes?: Record<string, LogValue>;
  resource?: Record<string, string>;
  time?: [number, number];
  traceId?: string;
  spanId?: string;
  eventName?: string;
}): LogkitRecord {
  const attributes: LogMap = Object.assign(Object.create(null) as LogMap, fields.attributes);
  return {
    hrTime: fields.time ?? [1_763_000_000, 123_456_789],
    hrTimeObserved: [1_763_000_001, 0],
    severityNumber: fields.severity ?? SeverityNumber.INFO,
    severityText: fields.severityText,
    body: fields.body ?? 'hello',
    eventName: fields.eventName,
    resource: resourceFromAttributes(fields.resource ?? { 'service.name': 'checkout', 'deployment.environment': 'prod' }),
    instrumentationScope: { name: fields.scope ?? 'billing' },
    attributes,
    droppedAttributesCount: 0,
    spanContext: fields.traceId ? { traceId: fields.traceId, spanId: fields.spanId ?? '00f067aa0ba902b7', traceFlags: 1 } : undefined,
  };
}

/**
 * Sends one batch the way the delivery core does — encode, POST to the destination's base URL plus the
 * request's path, classify the answer — so a protocol can be tested against a loopback receiver alone.
 */
export async function sendOnce(protocol: Protocol, base: URL, records: readonly LogkitRecord[]): Promise<Verdict> {
  const request = await compressRequest(protocol.encode(records));
  const url = base.href.replace(/\/$/, '') + request.path;
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const wire: WireResponse = {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()),
  };
  return protocol.classify(wire, records);
}

/**
 * A real HTTP server on 127.0.0.1 for a backend stand-in: reads each request body whole, then hands it
 * to `answer`; while `hang` is true it reads and never answers (a hung backend).
 */
export abstract class LoopbackReceiver {
  hang = false;
  url!: URL;
  private readonly hung: ServerResponse[] = [];
  private readonly server: Server = createServer((req, res) => void this.read(req, res));

  protected abstract answer(req: IncomingMessage, body: Buffer, res: ServerResponse): void;

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`);
  }

  async close(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async read(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.hang) this.hung.push(res);
    else this.answer(req, Buffer.concat(chunks), res);
  }
}

/** Polls until `check` stops throwing (or the test's own timeout ends it); for effects that arrive over the network. */
export async function eventually<T>(check: () => T, intervalMs = 10): Promise<T> {
  while (true) {
    try {
      return check();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Delivery settings that keep loopback tests fast: short batching delay and backoff. */
export const FAST_DELIVERY_ENV: Record<string, string> = {
  OTEL_BLRP_SCHEDULE_DELAY: '10',
  OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '10',
  OTEL_LOGKIT_RETRY_MAX_BACKOFF: '50',
  OTEL_BLRP_EXPORT_TIMEOUT: '5000',
};
