import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAuditFile } from '../../../src/cli/audit-sources.js';
import { verifyAuditEntries } from '../../../src/cli/audit-verify.js';
import { auditWorkspace } from './audit-fixture.js';

const run = promisify(execFile);
const WRITER = join(import.meta.dirname, 'crash-writer.ts');

describe('the audit chain across a crash', () => {
  it('never gives out a sequence number twice: what a SIGKILL lost from memory shows as missing, not as forks', async () => {
    const ws = auditWorkspace();
    const env = {
      PATH: process.env.PATH!,
      OTEL_SERVICE_NAME: 'billing',
      OTEL_LOGS_EXPORTER: 'file',
      OTEL_LOGKIT_FILE_DIR: ws.outDir,
      OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir,
      OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile,
      OTEL_LOGKIT_AUDIT_DIGEST_RECORDS: '3',
      OTEL_BLRP_SCHEDULE_DELAY: '60000', // nothing leaves memory on its own: the last records die with the process
    };
    const crashed = await run(process.execPath, ['--import', 'tsx', WRITER, '1', '7', '5', '1'], { env }).catch((error: { signal?: string }) => error);
    expect((crashed as { signal?: string }).signal).toBe('SIGKILL');
    await run(process.execPath, ['--import', 'tsx', WRITER, '8', '4', '99', '0'], { env });

    const entries = await readAuditFile(ws.outDir);
    const report = verifyAuditEntries(entries, createPublicKey(readFileSync(ws.publicKeyFile)));
    const seqs = entries.filter((e) => e.content.attributes['log.type'] === 'audit').map((e) => e.content.attributes['audit.seq']);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 8, 9, 10, 11]);
    // Records 6-7 and digest 2 (covering 4-6, signed just before the kill) were still in memory: lost, and named.
    expect(report.findings.map((f) => `${f.kind} ${f.message}`).sort()).toEqual(['digest digest 2 missing (next found: 3)', 'missing records 6-7 are missing']);
    expect(report.streams[0]).toMatchObject({ lastSeq: 11, verifiedThrough: 11 });
  });
});
