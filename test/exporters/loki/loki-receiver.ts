import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { snappyUncompress } from '../../../exporters/loki/snappy.js';
import { LoopbackReceiver } from './fixtures.js';

/**
 * A loopback stand-in for Loki's push endpoint: decodes snappy protobuf and (gzipped) JSON pushes the
 * way Loki does, stores what arrived, and answers like Loki — 204 on success, plain-text errors such as
 * "entry too far behind" and "Ingestion rate limit exceeded" when scripted to.
 */
export interface ReceivedEntry {
  /** Unix nanoseconds. */
  ns: bigint;
  line: string;
  metadata: Record<string, string>;
}
export interface ReceivedStream {
  labels: Record<string, string>;
  entries: ReceivedEntry[];
}
export interface ReceivedPush {
  path: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  tenant: string | undefined;
  authorization: string | undefined;
  streams: ReceivedStream[];
}
export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

const SCHEMA = `
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;
const PushRequest = protobuf.parse(SCHEMA).root.lookupType('logproto.PushRequest');

/** Loki's text for a rate-limited push (distributor, HTTP 429). */
export const LOKI_RATE_LIMITED =
  "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1' lines totaling '100' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased";

/** Loki's text when entries are older than the stream accepts (ingester, HTTP 400; the rest of the push is stored). */
export function lokiTooFarBehind(selector: string, total: number): string {
  return `entry with timestamp 2020-01-01 00:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2020-01-01T00:00:00Z, oldest acceptable timestamp is: 2026-11-22T05:00:00Z', for stream: ${selector},\ntotal ignored: 1 out of ${total}`;
}

export class LokiReceiver extends LoopbackReceiver {
  readonly pushes: ReceivedPush[] = [];
  /** Answers given in order, one per request; when empty, Loki's 204. */
  readonly answers: ScriptedAnswer[] = [];

  static async start(): Promise<LokiReceiver> {
    const receiver = new LokiReceiver();
    await receiver.listen();
    return receiver;
  }

  /** Every stored entry with its stream's labels, in arrival order. */
  entries(): (ReceivedEntry & { labels: Record<string, string>; tenant: string | undefined })[] {
    return this.pushes.flatMap((p) => p.streams.flatMap((s) => s.entries.map((e) => ({ ...e, labels: s.labels, tenant: p.tenant }))));
  }

  protected answer(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') {
      res.writeHead(404).end('404 page not found\n');
      return;
    }
    const scripted = this.answers.shift();
    if (scripted && scripted.status >= 300) {
      res.writeHead(scripted.status, { 'Content-Type': 'text/plain; charset=utf-8', ...scripted.headers }).end(scripted.body ?? '');
      return;
    }
    let streams: ReceivedStream[];
    try {
      streams = decode(body, req.headers['content-type'], req.headers['content-encoding']);
    } catch (error) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`loghttp: ${(error as Error).message}\n`);
      return;
    }
    this.pushes.push({
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      tenant: req.headers['x-scope-orgid'] as string | undefined,
      authorization: req.headers.authorization,
      streams,
    });
    res.writeHead(204).end();
  }
}

function decode(raw: Buffer, contentType: string | undefined, contentEncoding: string | undefined): ReceivedStream[] {
  if (contentType === 'application/x-protobuf') {
    const message = PushRequest.toObject(PushRequest.decode(snappyUncompress(raw)), { longs: String, defaults: true }) as {
      streams: { labels: string; entries: { timestamp?: { seconds: string; nanos: number }; line: string; structuredMetadata: { name: string; value: string }[] }[] }[];
    };
    return message.streams.map((s) => ({
      labels: parseSelector(s.labels),
      entries: s.entries.map((e) => ({
        ns: BigInt(e.timestamp?.seconds ?? 0) * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0),
        line: e.line,
        metadata: Object.fromEntries(e.structuredMetadata.map((m) => [m.name, m.value])),
      })),
    }));
  }
  if (contentType?.startsWith('application/json')) {
    const text = (contentEncoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const json = JSON.parse(text) as { streams: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[] };
    return json.streams.map((s) => ({
      labels: s.stream,
      entries: s.values.map(([ns, line, metadata]) => ({ ns: BigInt(ns), line, metadata: metadata ?? {} })),
    }));
  }
  throw new Error(`unsupported Content-Type ${contentType}`);
}

/** Reads `{a="1", b="x\"y"}` back into a map; throws on anything Loki's parser would refuse. */
export function parseSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = selector.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) throw new Error(`error parsing labels: ${selector}`);
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  const inner = body.slice(1, -1);
  while (pair.lastIndex < inner.length) {
    const match = pair.exec(inner);
    if (!match) throw new Error(`error parsing labels: ${selector}`);
    out[match[1]!] = JSON.parse(`"${match[2]}"`) as string;
  }
  if (Object.keys(out).length === 0) throw new Error('error at least one label pair is required per stream');
  return out;
}
