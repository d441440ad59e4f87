/**
 * What the audit chain costs per audit record on the emit path, side by side with the stock SDK, and
 * how fast `audit verify` checks a stream.
 *
 * Rows through a `LoggerProvider` emitting the standard record marked `log.type = "audit"`:
 * - stock SDK: `SimpleLogRecordProcessor` with a no-op exporter (the same record, unchained);
 * - logkit, no audit stage (copy → no-op stage);
 * - logkit + audit stage (copy → chain: envelope, typed canonical JSON, SHA-256, state-file write; a
 *   signed digest every 100 records) → no-op stage.
 * The stage is also timed alone on copies made outside the timed loop, for an audit record and for an
 * ordinary record (which it only passes on). Verification: the records the stage chained, with their
 * digests, read back as a store would give them, checked by the verifier (records/s, wall time).
 * Time is this process's CPU time (median round, best of two passes), as in the other benches.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createAuditStage, fieldsOf } from '../../processors/audit/index.js';
import { verifyAuditEntries, type StoredAuditEntry } from '../../src/cli/audit-verify.js';
import { resolveConfig } from '../../src/config.js';
import { LogkitProcessor } from '../../src/processor.js';
import { type LogkitRecord, snapshotRecord } from '../../src/core/record.js';
import type { LogStage } from '../../src/core/stage.js';
import { PipelineStats } from '../../src/core/stats.js';
import { buildResource } from '../../src/resource.js';
import { noopExporter as exporter, noopStage as sink } from './sdk-baseline.js';
import { cpuNsPerCall } from './cpu-time.js';
import { standardRecord } from './standard-record.js';

const N = 20_000;
const ROUNDS = 9;
const WARMUP = 3;
const WORKING_SET = 512;

const dir = mkdtempSync(join(tmpdir(), 'logkit-audit-bench-'));
const { privateKey } = generateKeyPairSync('ed25519');
writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
let streams = 0;
/** A fresh stream per stage, so each one starts its own chain and state file. */
const config = () =>
  resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool'), OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'), OTEL_LOGKIT_AUDIT_STREAM: `bench-${streams++}` } });
const base = config();
const resource = buildResource(base.resource);
const auditStage = (next: LogStage = sink) => createAuditStage(config().audit, { stats: new PipelineStats(), resource }, next);

function time(run: (i: number) => void): number {
  return cpuNsPerCall(run, { n: N, rounds: ROUNDS, warmup: WARMUP });
}

const auditRecord = (i: number): LogRecord => {
  const record = standardRecord(i);
  return { ...record, attributes: { ...record.attributes, 'log.type': 'audit' } };
};
const audited = Array.from({ length: N }, (_, i) => auditRecord(i));
const ordinary = Array.from({ length: N }, (_, i) => standardRecord(i));

function throughProvider(processor: LogRecordProcessor): number {
  const logger = new LoggerProvider({ processors: [processor] }).getLogger('shop.audit');
  return time((i) => logger.emit(audited[i]!));
}

function copies(source: LogRecord[], n: number): LogkitRecord[] {
  const captured: ReadWriteLogRecord[] = [];
  const capture: LogRecordProcessor = { onEmit: (r) => void captured.push(r), forceFlush: async () => {}, shutdown: async () => {} };
  const logger = new LoggerProvider({ resource, processors: [capture] }).getLogger('shop.audit');
  for (const record of source.slice(0, n)) logger.emit(record);
  const report = { truncated: 0, replaced: 0 };
  return captured.map((r) => snapshotRecord(r, base.limits, report));
}

function stageAlone(source: LogRecord[]): number {
  const working = copies(source, WORKING_SET);
  const stage = auditStage();
  return time((i) => stage.write(working[i % WORKING_SET]!));
}

/** Chains `n` records (and their digests) and reads them back as stored entries, then verifies them. */
function verification(n: number): { records: number; ms: number } {
  const stored: StoredAuditEntry[] = [];
  const keep: LogStage = {
    write: (r) => {
      stored.push({ where: 'bench', fields: { ...fieldsOf(r), typed: true } });
      return 'taken';
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const stage = auditStage(keep);
  for (const record of copies(audited, n)) stage.write(record);
  void stage.shutdown();
  const key = createPublicKey(privateKey);
  verifyAuditEntries(stored.slice(0, 1000), key); // warm-up
  const start = performance.now();
  const report = verifyAuditEntries(stored, key);
  const ms = performance.now() - start;
  if (report.findings.length > 0) throw new Error(`the benchmark stream does not verify: ${JSON.stringify(report.findings.slice(0, 3))}`);
  return { records: report.records, ms };
}

const results = [
  ['stock SDK (SimpleLogRecordProcessor + no-op exporter)', throughProvider(new SimpleLogRecordProcessor({ exporter }))],
  ['logkit, no audit stage (copy → no-op stage)', throughProvider(new LogkitProcessor(sink, base.limits, new PipelineStats()))],
  ['logkit + audit chain (copy → audit stage → no-op)', throughProvider(new LogkitProcessor(auditStage(), base.limits, new PipelineStats()))],
] as const;
const stock = results[0][1];
const bare = results[1][1];
const line = (name: string, ns: number, added: string) => `${name.padEnd(58)}${ns.toFixed(0).padStart(10)}${(ns / stock).toFixed(2).padStart(10)}${added.padStart(10)}\n`;
process.stdout.write(`standard record marked audit, ${N} records × ${ROUNDS} rounds, median CPU ns/record (Node ${process.version})\n`);
process.stdout.write(`${'row'.padEnd(58)}${'ns/record'.padStart(10)}${'vs stock'.padStart(10)}${'added'.padStart(10)}\n`);
for (const [name, ns] of results) process.stdout.write(line(name, ns, name.includes('+ audit') ? (ns - bare).toFixed(0) : ''));
const alone = stageAlone(audited);
process.stdout.write(line('audit stage alone, audit record', alone, alone.toFixed(0)));
const passing = stageAlone(ordinary);
process.stdout.write(line('audit stage alone, ordinary record (passed on)', passing, passing.toFixed(0)));
const verified = verification(N);
process.stdout.write(`audit verify: ${verified.records} records and their digests in ${verified.ms.toFixed(0)} ms = ${Math.round(verified.records / (verified.ms / 1000))} records/s\n`);
