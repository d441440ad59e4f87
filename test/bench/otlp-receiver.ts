/**
 * The loopback OTLP/HTTP receiver of the memory bench, run as a process of its own (its CPU and memory
 * are not the measured pipeline's): counts the LogRecords in each request (protobuf, gzip or not),
 * and can be told to answer 503 for a while, as a collector that is restarting does.
 *
 *   GET  /count          → {"records": n}
 *   POST /reset          → counts from 0
 *   POST /fail?ms=10000  → every export is answered 503 for the next 10 s
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs/minimal.js';

/** LogRecords in an ExportLogsServiceRequest: resource_logs(1) → scope_logs(2) → log_records(2). */
export function countLogRecords(body: Uint8Array): number {
  const reader = protobuf.Reader.create(body);
  let count = 0;
  const walk = (end: number, depth: number): void => {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if ((depth === 0 && tag === 10) || (depth === 1 && tag === 18)) walk(reader.uint32() + reader.pos, depth + 1);
      else if (depth === 2 && tag === 18) {
        count++;
        reader.skipType(2);
      } else reader.skipType(tag & 7);
    }
  };
  walk(reader.len, 0);
  return count;
}

/** Listens on 127.0.0.1:`port` (0: any) and tells the parent process its port. */
export async function serveOtlpReceiver(port: number): Promise<void> {
  let records = 0;
  let failUntil = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (url.pathname === '/count') return void res.end(JSON.stringify({ records, refused }));
      if (url.pathname === '/reset') {
        [records, refused, failUntil] = [0, 0, 0];
        return void res.end('{}');
      }
      if (url.pathname === '/fail') {
        failUntil = Date.now() + Number(url.searchParams.get('ms') ?? 0);
        return void res.end('{}');
      }
      if (Date.now() < failUntil) {
        refused++;
        return void res.writeHead(503).end();
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      records += countLogRecords(body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
}
