/**
 * What each destination costs per record to turn one batch into its request, side by side in one run,
 * as ratios to OTLP protobuf (#23's goal: Loki, Elasticsearch and Kafka within 1.2x of OTLP protobuf).
 *
 * The batch: 512 standard records as the delivery worker receives them (worker-records.ts: enriched on
 * the application's thread, framed, read back as FrameRecords that carry their OTLP bytes). Two columns:
 * - `encode`: the request the core builds with the protocol's `encode` from those records (fresh, unread
 *   FrameRecords for each batch; for Kafka, partitioned by key, `encode` once per key: request-builder.ts);
 * - `build path`: what the default memory queue and BatchDelivery do today — every record added to an
 *   EncodedBatch (the queue's write), then `encodeFromOtlp(batch.otlp())` where the protocol sends the
 *   OTLP bytes, else the request built from the batch's records (views over the queue's bytes).
 * Not counted: the gzip the core runs in libuv's pool (OTLP, Elasticsearch; #23 measured 0.14 µs/record
 * at level 1), the Kafka client's own record-batch encoding, the transport and the socket. Loki's snappy
 * is part of its format, inside `encode`, and is counted.
 * CPU time (process.cpuUsage, see cpu-time.ts), so other work on a shared machine does not inflate it.
 * Figures and ratios only, no pass/fail.
 *
 * Run: npm run bench -- destination-encode
 */
import { OtlpProtobufDecoder } from '../../exporters/codec/decode-protobuf.js';
import { EncodedBatch } from '../../exporters/codec/encoded-batch.js';
import type { FrameRecord } from '../../exporters/codec/frame-record.js';
import { OutgoingBatch } from '../../exporters/delivery/outgoing-batch.js';
import type { Protocol } from '../../exporters/delivery/protocol.js';
import { buildRequest, requestBytes } from '../../exporters/delivery/request-builder.js';
import { parseElasticsearchConfig } from '../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../exporters/elasticsearch/protocol.js';
import { KafkaProtocol } from '../../exporters/kafka/protocol.js';
import { parseLokiConfig } from '../../exporters/loki/config.js';
import { LokiProtocol } from '../../exporters/loki/protocol.js';
import { OtlpProtocol } from '../../exporters/otlp/protocol.js';
import { SettingsReader } from '../../src/core/env.js';
import { cpuNsPerCall } from './cpu-time.js';
import { encodedBatchBytes, freshCopies, handedOverFrames, workerRecords } from './worker-records.js';

const BATCH = 512;
const BATCHES_PER_ROUND = 10;
const TIMING = { n: BATCHES_PER_ROUND, rounds: 7, warmup: 2 };

const records = workerRecords(await handedOverFrames(BATCH));
const settings = new SettingsReader({ OTEL_LOGKIT_LOKI_ENDPOINT: 'http://127.0.0.1:3100', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://127.0.0.1:9200' });

/** Each destination's protocol with its default settings. */
const DESTINATIONS: { name: string; protocol: Protocol }[] = [
  { name: 'OTLP/HTTP protobuf', protocol: new OtlpProtocol('http/protobuf', 'gzip') },
  { name: 'OTLP/HTTP JSON', protocol: new OtlpProtocol('http/json', 'gzip') },
  { name: 'Loki (protobuf + snappy)', protocol: new LokiProtocol(parseLokiConfig(settings)) },
  { name: 'Elasticsearch _bulk (otel layout)', protocol: new ElasticsearchProtocol(parseElasticsearchConfig(settings)) },
  { name: 'Kafka (OTLP protobuf per key)', protocol: new KafkaProtocol('otel-logs') },
];

const decoder = new OtlpProtobufDecoder();
const batchBytes = encodedBatchBytes(records);

/** The request as BatchDelivery builds it from the memory queue's batch (see batch-delivery.ts `attempt`). */
function buildPath(protocol: Protocol, batchRecords: readonly FrameRecord[]): number {
  const encoded = new EncodedBatch(batchBytes);
  for (const record of batchRecords) encoded.add(record);
  const batch = OutgoingBatch.fromEncoded(encoded, decoder);
  const request = protocol.encodeFromOtlp?.(batch.otlp()) ?? buildRequest(protocol, batch.records());
  const size = requestBytes(request);
  batch.release();
  return size;
}

/** CPU ns per record of `run` on fresh copies of the batch. */
function perRecord(run: (batch: readonly FrameRecord[]) => unknown): number {
  let batches: FrameRecord[][] = [];
  const ns = cpuNsPerCall((i) => run(batches[i]!), TIMING, () => {
    batches = Array.from({ length: BATCHES_PER_ROUND }, () => freshCopies(records));
  });
  return ns / BATCH;
}

const rows = DESTINATIONS.map(({ name, protocol }) => ({
  name,
  encodeNs: perRecord((batch) => buildRequest(protocol, batch)),
  buildNs: perRecord((batch) => buildPath(protocol, batch)),
  bytes: buildPath(protocol, freshCopies(records)),
}));

const base = rows[0]!;
process.stdout.write(`one batch of ${BATCH} standard records as the delivery worker reads them, CPU ns/record (median round, best of 2 passes; Node ${process.version})\n`);
process.stdout.write(`${'destination'.padEnd(36)}${'encode'.padStart(9)}${'vs OTLP pb'.padStart(12)}${'build path'.padStart(12)}${'vs OTLP pb'.padStart(12)}${'body bytes/rec'.padStart(16)}\n`);
for (const r of rows) {
  process.stdout.write(
    `${r.name.padEnd(36)}${r.encodeNs.toFixed(0).padStart(9)}${`${(r.encodeNs / base.encodeNs).toFixed(2)}x`.padStart(12)}${r.buildNs.toFixed(0).padStart(12)}${`${(r.buildNs / base.buildNs).toFixed(2)}x`.padStart(12)}${(r.bytes / BATCH).toFixed(0).padStart(16)}\n`,
  );
}
process.stdout.write('goal (#23): Loki, Elasticsearch, Kafka within 1.2x of OTLP protobuf (uncompressed body; gzip in the pool not counted)\n');
