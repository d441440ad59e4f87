/**
 * Bytes copied per record between encode and socket on the default path (OTLP/HTTP protobuf, gzip,
 * memory queue, delivery worker), step by step, on a batch of 512 standard records (worker-records.ts).
 *
 * Measured: each step runs the real code while the bench counts, in JavaScript, every byte copy the
 * code asks for — `Uint8Array.prototype.set` (ProtoWriter.raw/bytes, the ring's write),
 * `Buffer.prototype.copy`, `Buffer.from(<bytes>)`, `Buffer.copyBytesFrom` and `Uint8Array.from(<bytes>)` (copies), and
 * `copyWithin` (a move inside one buffer: ProtoWriter fixing a length prefix). The encode itself (strings
 * written as UTF-8, numbers, tags) is not a copy and is not counted. EncodedBatch is sized like the
 * previous batch (as the queue does in steady state), so it does not grow.
 * Not measured, only stated: copies inside Node and the kernel, which these wrappers cannot see
 * (Node's internals use their own bound methods) — zlib reads the request body in place and, when its
 * output spans several 16 KiB chunks, joins them once (Buffer.concat of the compressed bytes); the
 * socket write copies the compressed body into the kernel. Both are shown as "stated", with the
 * compressed size of this batch (gzip level 1, the core's setting). Not on this path: the spool (its writes and reads), dead-letter files, retries.
 * Figures only, no pass/fail.
 *
 * Run: npm run bench -- wire-copies
 */
import { gzipSync } from 'node:zlib';
import { OtlpProtobufDecoder } from '../../exporters/codec/decode-protobuf.js';
import { EncodedBatch } from '../../exporters/codec/encoded-batch.js';
import { RecordFrameReader, RecordFrameWriter } from '../../exporters/codec/record-frame.js';
import { HandoffRing } from '../../exporters/delivery/handoff-ring.js';
import { OutgoingBatch } from '../../exporters/delivery/outgoing-batch.js';
import { OtlpProtocol } from '../../exporters/otlp/protocol.js';
import { createRedactionStage } from '../../processors/redaction/index.js';
import { resolveConfig } from '../../src/config.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { PipelineStats } from '../../src/core/stats.js';
import { buildResource } from '../../src/resource.js';
import { noopStage } from './sdk-baseline.js';
import { encodedBatchBytes, enrichedRecords } from './worker-records.js';

const BATCH = 512;

// ---------- the counting: every JavaScript-visible byte copy, by kind, while a step runs ----------

let counts: Map<string, number> | undefined;
const count = (kind: string, bytes: number) => counts?.set(kind, (counts.get(kind) ?? 0) + bytes);
const isBytes = (value: unknown): value is ArrayBufferView => ArrayBuffer.isView(value);

const set = Uint8Array.prototype.set;
Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
  count('set', source.length);
  set.call(this, source, offset);
} as typeof set;
const copy = Buffer.prototype.copy;
Buffer.prototype.copy = function (this: Buffer, ...args: Parameters<typeof copy>) {
  const n = copy.apply(this, args);
  count('Buffer.copy', n);
  return n;
};
const copyWithin = Uint8Array.prototype.copyWithin;
Uint8Array.prototype.copyWithin = function (this: Uint8Array, target: number, start: number, end?: number) {
  count('copyWithin (move)', (end ?? this.length) - start);
  return copyWithin.call(this, target, start, end);
} as typeof copyWithin;
const bufferFrom = Buffer.from;
Buffer.from = function (value: unknown, ...rest: unknown[]) {
  if (isBytes(value) && !(value instanceof DataView)) count('Buffer.from', value.byteLength);
  return (bufferFrom as (...a: unknown[]) => Buffer)(value, ...rest);
} as typeof Buffer.from;
const copyBytesFrom = Buffer.copyBytesFrom;
Buffer.copyBytesFrom = function (view: ArrayBufferView, offset?: number, length?: number) {
  const out = copyBytesFrom.call(Buffer, view as never, offset, length);
  count('Buffer.copyBytesFrom', out.byteLength);
  return out;
} as typeof Buffer.copyBytesFrom;
const arrayFrom = Uint8Array.from;
Uint8Array.from = function (value: unknown, ...rest: unknown[]) {
  if (isBytes(value)) count('Uint8Array.from', value.byteLength);
  return (arrayFrom as (...a: unknown[]) => Uint8Array).call(Uint8Array, value, ...rest);
} as typeof Uint8Array.from;

const rows: { step: string; kind: string; bytes: number; move: boolean }[] = [];
/** Runs `run` while counting; calls with the same name add up (a step may run once per record). */
function step<T>(name: string, run: () => T): T {
  counts = new Map();
  const result = run();
  for (const [kind, bytes] of counts) {
    const row = rows.find((r) => r.step === name && r.kind === kind);
    if (row) row.bytes += bytes;
    else rows.push({ step: name, kind, bytes, move: kind.startsWith('copyWithin') });
  }
  if (!rows.some((r) => r.step === name)) rows.push({ step: name, kind: '—', bytes: 0, move: false });
  counts = undefined;
  return result;
}

// ---------- the path, step by step ----------

const [first, ...records] = await enrichedRecords(BATCH + 1);
const writer = new RecordFrameWriter();
const reader = new RecordFrameReader();
reader.read(writer.frame(first!)); // the origin, defined once: not the steady state
const ring = HandoffRing.create(8 << 20);

/** The encode itself: its own copies (the frame prefix, attribute keys encoded once and copied in) are shown, not totalled. */
const ENCODE = 'frame encode (prefix, cached keys; part of the encode)';
let recordBytes = 0;
for (const record of records) {
  const frame = step(ENCODE, () => writer.frame(record));
  recordBytes += frame.length - 5;
  step('into the ring (HandoffRing.write)', () => ring.write(frame));
}

const arrived: LogkitRecord[] = [];
step('out of the ring (RecordFrameReader.read)', () => ring.drain((frame) => void arrived.push(reader.read(frame))));

const config = resolveConfig({ env: { OTEL_SERVICE_NAME: 'shop', OTEL_LOGS_EXPORTER: 'none' } });
const redaction = createRedactionStage(config.redaction, { stats: new PipelineStats(), resource: buildResource(config.resource) }, noopStage);
step('redaction, default rules (nothing to redact)', () => {
  for (const record of arrived) redaction.write(record);
});

const hint = encodedBatchBytes(arrived);
const encoded = step('queue write (EncodedBatch.add)', () => {
  const batch = new EncodedBatch(hint);
  for (const record of arrived) batch.add(record);
  return batch;
});
const outgoing = OutgoingBatch.fromEncoded(encoded, new OtlpProtobufDecoder());
const body = step('request written once (EncodedBatch.toOtlp)', () => outgoing.otlp());
const request = step('request (OtlpProtocol.encodeFromOtlp)', () => new OtlpProtocol('http/protobuf', 'gzip').encodeFromOtlp(body)!);
const compressed = gzipSync(request.body, { level: 1 }).length;
outgoing.release();

// ---------- the table ----------

const perRecord = (bytes: number) => bytes / BATCH;
const avg = recordBytes / BATCH;
process.stdout.write(`bytes copied per record between encode and socket, default OTLP/HTTP protobuf path, ${BATCH} standard records (a record's OTLP bytes: ${avg.toFixed(0)} B)\n`);
process.stdout.write(`${'step'.padEnd(62)}${'copied by'.padEnd(20)}${'B/record'.padStart(10)}${'x record'.padStart(10)}\n`);
for (const r of rows) process.stdout.write(`${r.step.padEnd(62)}${r.kind.padEnd(20)}${perRecord(r.bytes).toFixed(1).padStart(10)}${(r.bytes / recordBytes).toFixed(2).padStart(10)}\n`);
const stated = [
  { step: 'compression input (zlib reads the body in place)', bytes: 0 },
  { step: 'compression output (zlib joins its 16 KiB chunks, gzip -1)', bytes: compressed },
  { step: 'socket write (kernel copies the compressed body)', bytes: compressed },
];
for (const s of stated) process.stdout.write(`${s.step.padEnd(62)}${'stated, not seen'.padEnd(20)}${perRecord(s.bytes).toFixed(1).padStart(10)}${(s.bytes / recordBytes).toFixed(2).padStart(10)}\n`);
const after = rows.filter((r) => r.step !== ENCODE);
const copies = after.filter((r) => !r.move).reduce((sum, r) => sum + r.bytes, 0);
const moves = after.filter((r) => r.move).reduce((sum, r) => sum + r.bytes, 0);
process.stdout.write(
  `total between encode and socket, measured: ${perRecord(copies).toFixed(0)} B/record copied (${(copies / recordBytes).toFixed(2)}x the record's bytes), ${perRecord(moves).toFixed(0)} B/record moved inside a buffer; stated after compression: ${perRecord(2 * compressed).toFixed(0)} B/record\n`,
);
