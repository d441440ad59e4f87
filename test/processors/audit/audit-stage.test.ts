import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuditFile } from '../../../src/cli/audit-sources.js';
import { verifyAuditEntries, exitCodeOf } from '../../../src/cli/audit-verify.js';
import { createPublicKey } from 'node:crypto';
import { auditWorkspace, writeAuditRecords } from './audit-fixture.js';
import { ChainStateFile } from '../../../processors/audit/chain-state.js';
import { plainOf } from '../../../processors/audit/canonical.js';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { resolveConfig } from '../../../src/config.js';
import { createLogPipeline } from '../../../src/pipeline.js';

describe('the audit stage', () => {
  it('chains audit records across a restart, never samples them, redacts them, and signs digests', async () => {
    const ws = auditWorkspace();
    const first = await writeAuditRecords(ws, 1, 6);
    const second = await writeAuditRecords(ws, 7, 3);
    // Level error and a rate limit of 1/s: audit records pass regardless; the ordinary INFO record does not.
    expect(first.sampling).toMatchObject({ audit_passed: 6 });
    // The chain's start digest, one after 4 records, one at shutdown; then the shutdown digest of the second run.
    expect(first.audit).toMatchObject({ records: 6, digests: 3, seq: 6 });
    expect(second.audit).toMatchObject({ records: 3, digests: 1, seq: 9 });

    const { entries } = await readAuditFile(ws.outDir);
    const records = entries.filter((e) => plainOf(e.fields.attributes['log.type'] ?? null) === 'audit');
    expect(records.map((e) => Number(plainOf(e.fields.attributes['audit.seq']!))).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(records.every((e) => plainOf(e.fields.attributes['audit.stream']!) === 'billing')).toBe(true);
    const text = readdirSync(ws.outDir).map((f) => readFileSync(join(ws.outDir, f), 'utf8')).join('');
    expect(text).not.toContain('ann@example.com');

    const report = verifyAuditEntries(entries, createPublicKey(readFileSync(ws.publicKeyFile)));
    expect(report.findings).toEqual([]);
    expect(report.streams).toEqual([expect.objectContaining({ stream: 'billing', records: 9, digests: 4, lastSeq: 9, verified: 9, verifiedThrough: 9 })]);
    expect(exitCodeOf(report)).toBe(0);
  });

  it('signs a digest every interval, even when no record came', async () => {
    const ws = auditWorkspace();
    const pipeline = createLogPipeline({
      env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir, OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile, OTEL_LOGKIT_AUDIT_DIGEST_INTERVAL: '20' },
    });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    provider.getLogger('admin').emit({ body: 'role granted', attributes: { 'log.type': 'audit' } });
    // The start digest, then the clock's: one covering the record, then more while nothing comes.
    while ((pipeline.stats().audit!.digests as number) < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pipeline.stats().audit).toMatchObject({ records: 1, seq: 1 });
    await provider.shutdown();
  });

  it('refuses a private key that group or others can read, as ssh does, saying how to fix it', () => {
    const ws = auditWorkspace();
    chmodSync(ws.privateKeyFile, 0o644);
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile, OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir } })).toThrow(
      expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID', message: expect.stringMatching(/^OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE=.*readable by group or others \(mode 0644\).*chmod 600/) }),
    );
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: `${ws.dir}/absent.pem`, OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir } })).toThrow(/^OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE=.*ENOENT/);
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir }, audit: { signingKeyFile: `${ws.dir}/absent.pem` } })).toThrow(/^option overriding OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE=/);
  });

  it('names the spool directory when the chain state cannot be kept there, as a configuration error', () => {
    const ws = auditWorkspace();
    mkdirSync(`${ws.spoolDir}/audit-chain`, { recursive: true, mode: 0o500 });
    if (process.getuid?.() === 0) return; // root writes anywhere
    expect(() => createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir, OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile } })).toThrow(
      expect.objectContaining({ code: 'LOGKIT_CONFIG_INVALID', message: expect.stringMatching(/^OTEL_LOGKIT_SPOOL_DIR=.*audit-chain: expected a directory this process can write.*EACCES/) }),
    );
  });

  it('refuses to start auditing without a spool, naming the variable', () => {
    const ws = auditWorkspace();
    chmodSync(ws.publicKeyFile, 0o600);
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile } })).toThrow(/OTEL_LOGKIT_SPOOL_DIR=: expected a directory when OTEL_LOGKIT_AUDIT is on/);
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_AUDIT: 'true', OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir } })).toThrow(/OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE/);
    expect(() => resolveConfig({ env: { OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.publicKeyFile, OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir } })).toThrow(/OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE=.*Ed25519 private key/);
  });

  it('keeps the chain position when the last state write was torn', () => {
    const ws = auditWorkspace();
    const { file } = ChainStateFile.open(ws.dir, 'billing');
    file.write({ seq: 41, lastHash: 'a'.repeat(64), digestSeq: 3, digestSignature: 'sig', coveredThrough: 40, chain: 'c1' });
    file.write({ seq: 42, lastHash: 'b'.repeat(64), digestSeq: 3, digestSignature: 'sig', coveredThrough: 40, chain: 'c1' });
    file.close();
    // Tear the slot written last (slot 0 holds write #2): the previous position survives in slot 1.
    const bytes = readFileSync(file.path);
    bytes[20] = bytes[20]! ^ 0xff;
    writeFileSync(file.path, bytes);
    expect(ChainStateFile.open(ws.dir, 'billing').position).toMatchObject({ seq: 41, lastHash: 'a'.repeat(64) });
  });
});
