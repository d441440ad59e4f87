/**
 * What the native exporters cost per record to encode, and what routing adds, on the standard record,
 * side by side with the stock SDK's OTLP encoder in the same run.
 *
 * Encoding rows (batches of 512 SDK records, as the delivery core sends them):
 * - stock SDK: `ProtobufLogsSerializer` of `@opentelemetry/otlp-transformer` — what the stock
 *   `exporter-logs-otlp-proto` does per batch (uncompressed, its default) — the baseline;
 * - Loki protobuf + snappy (our default), Loki JSON + gzip;
 * - Elasticsearch `_bulk` NDJSON, otel and ECS layouts, gzip.
 * Routing rows: `write` of the routing stage (2 rules: an attribute rule and a scope+severity rule)
 * into no-op destinations, against writing to the same no-op destination directly.
 * Each row: warm-up, then ROUNDS rounds; the median round is reported as CPU ns/record (process CPU
 * time, so other work on a shared machine does not inflate it).
 */

import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { parseElasticsearchConfig } from '../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../exporters/elasticsearch/protocol.js';
import { parseLokiConfig } from '../../exporters/loki/config.js';
import { LokiProtocol } from '../../exporters/loki/protocol.js';
import { DESTINATIONS } from '../../exporters/registry.js';
import { parseRoutes } from '../../exporters/routing/config.js';
import { RoutingStage } from '../../exporters/routing/stage.js';
import { resolveConfig } from '../../src/config.js';
import { SettingsReader } from '../../src/core/env.js';
import { DEFAULT_SNAPSHOT_LIMITS, type LogkitRecord, snapshotRecord } from '../../src/core/record.js';
import { buildResource } from '../../src/resource.js';
import type { LogStage } from '../../src/core/stage.js';
import { PipelineStats } from '../../src/core/stats.js';
import { standardRecord } from './standard-record.js';

const BATCH = 512;
const BATCHES = 20;
const ROUNDS = 9;
const WARMUP_ROUNDS = 3;

// Real SDK records (resource, scope, trace context absent as in a plain request log), then our copies.
const memory = new InMemoryLogRecordExporter();
const resource = buildResource(resolveConfig({ env: { OTEL_SERVICE_NAME: 'shop', OTEL_LOGS_EXPORTER: 'none' } }).resource);
await resource.waitForAsyncAttributes?.();
const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
const logger = provider.getLogger('shop.checkout');
for (let i = 0; i < BATCH; i++) logger.emit(standardRecord(i));
await provider.forceFlush();
const sdkRecords: ReadableLogRecord[] = memory.getFinishedLogRecords();
const records: LogkitRecord[] = sdkRecords.map((r) => snapshotRecord(r, DEFAULT_SNAPSHOT_LIMITS, { truncated: 0, replaced: 0 }));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** ns per record of `fn`, which handles `perRound` records per call. */
function measure(fn: () => void, perRound: number): number {
  const rounds: number[] = [];
  for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
    globalThis.gc?.();
    // CPU time, not wall time: the figures stay meaningful on a machine shared with other work.
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    const ns = ((used.user + used.system) * 1000) / perRound;
    if (r >= WARMUP_ROUNDS) rounds.push(ns);
  }
  return median(rounds);
}

const env = (extra: Record<string, string>) => new SettingsReader({ OTEL_LOGKIT_LOKI_ENDPOINT: 'http://127.0.0.1:3100', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://127.0.0.1:9200', ...extra });
const encoders: [string, () => number][] = [
  ['stock SDK: OTLP protobuf (ProtobufLogsSerializer)', () => ProtobufLogsSerializer.serializeRequest(sdkRecords)!.byteLength],
  ['Loki protobuf + snappy (default)', ((p) => () => p.encode(records).body.byteLength)(new LokiProtocol(parseLokiConfig(env({}))))],
  ['Loki JSON + gzip', ((p) => () => p.encode(records).body.byteLength)(new LokiProtocol(parseLokiConfig(env({ OTEL_LOGKIT_LOKI_ENCODING: 'json' }))))],
  ['Elasticsearch _bulk, otel layout, gzip', ((p) => () => p.encode(records).body.byteLength)(new ElasticsearchProtocol(parseElasticsearchConfig(env({}))))],
  ['Elasticsearch _bulk, otel layout, uncompressed', ((p) => () => p.encode(records).body.byteLength)(new ElasticsearchProtocol(parseElasticsearchConfig(env({ OTEL_LOGKIT_ELASTICSEARCH_COMPRESSION: 'none' }))))],
  ['Elasticsearch _bulk, ECS layout, gzip', ((p) => () => p.encode(records).body.byteLength)(new ElasticsearchProtocol(parseElasticsearchConfig(env({ OTEL_LOGKIT_ELASTICSEARCH_MAPPING: 'ecs' }))))],
];

const rows: { name: string; ns: number; bytes: number }[] = [];
for (const [name, encode] of encoders) {
  const bytes = encode();
  const ns = measure(() => {
    for (let b = 0; b < BATCHES; b++) encode();
  }, BATCH * BATCHES);
  rows.push({ name, ns, bytes });
}
const base = rows[0]!.ns;
console.log(`encoding a batch of ${BATCH} standard records (CPU ns/record, median of ${ROUNDS} rounds; bytes per batch as sent)`);
for (const row of rows) console.log(`  ${row.name.padEnd(52)} ${row.ns.toFixed(0).padStart(7)} ns  ${(row.ns / base).toFixed(2)}x  ${String(row.bytes).padStart(7)} B`);

// Routing: the per-record cost of deciding where a record goes.
const noop: LogStage = { write: () => 'taken', forceFlush: async () => {}, shutdown: async () => {} };
const ctx = { stats: new PipelineStats(), resource };
const routing = new RoutingStage(parseRoutes('log.type=audit -> elasticsearch(dataset=audit); scope=payments.* & severity>=error -> loki', DESTINATIONS), [noop], () => noop, ctx);
const N = 2_000_000;
const direct = measure(() => {
  for (let i = 0; i < N; i++) noop.write(records[i % BATCH]!);
}, N);
const routed = measure(() => {
  for (let i = 0; i < N; i++) routing.write(records[i % BATCH]!);
}, N);
console.log(`routing (2 rules, record matching none → default destination), CPU ns/record`);
console.log(`  direct write to the destination                     ${direct.toFixed(1).padStart(7)} ns`);
console.log(`  through the routing stage                           ${routed.toFixed(1).padStart(7)} ns  (+${(routed - direct).toFixed(1)} ns)`);
