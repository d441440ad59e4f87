import protobuf from 'protobufjs/minimal.js';
import { unixNanosString } from '../../src/core/record-fields.js';
import { snappyCompress } from './snappy.js';
import type { LokiStream } from './streams.js';

/**
 * The two bodies Loki's `/loki/api/v1/push` accepts. Protobuf is `logproto.PushRequest`, snappy
 * block-compressed (Loki's native format, what Promtail and Alloy send). Snappy stays here, in the
 * encoder, because it is part of the format (Loki rejects an uncompressed protobuf body and there is
 * no Content-Encoding for it); it is also cheap, unlike gzip. The JSON body leaves gzip to the core,
 * which runs it off the main thread.
 *
 *   PushRequest   { repeated StreamAdapter streams = 1; }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 */
export interface LokiBody {
  headers: Record<string, string>;
  body: Uint8Array;
  compress?: 'gzip';
}

export function encodeProtobufPush(streams: readonly LokiStream[]): LokiBody {
  const w = protobuf.Writer.create();
  for (const stream of streams) {
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(stream.selector);
    for (const entry of stream.entries) {
      w.uint32((2 << 3) | 2).fork();
      w.uint32((1 << 3) | 2).fork();
      if (entry.time[0] !== 0) w.uint32(1 << 3).int64(entry.time[0]);
      if (entry.time[1] !== 0) w.uint32(2 << 3).int32(entry.time[1]);
      w.ldelim();
      if (entry.line !== '') w.uint32((2 << 3) | 2).string(entry.line);
      for (const [name, value] of entry.metadata) {
        w.uint32((3 << 3) | 2).fork();
        w.uint32((1 << 3) | 2).string(name);
        w.uint32((2 << 3) | 2).string(value);
        w.ldelim();
      }
      w.ldelim();
    }
    w.ldelim();
  }
  return { headers: { 'Content-Type': 'application/x-protobuf' }, body: snappyCompress(w.finish()) };
}

/** `{"streams":[{"stream":{labels},"values":[["<unix ns>","<line>",{metadata}]]}]}`, for the core to gzip. */
export function encodeJsonPush(streams: readonly LokiStream[]): LokiBody {
  const json = {
    streams: streams.map((stream) => ({
      stream: stream.labels,
      values: stream.entries.map((entry) =>
        entry.metadata.length === 0
          ? [unixNanosString(entry.time), entry.line]
          : [unixNanosString(entry.time), entry.line, Object.fromEntries(entry.metadata)],
      ),
    })),
  };
  return { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(json)), compress: 'gzip' };
}
