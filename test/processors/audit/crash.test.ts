import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAuditFile } from '../../../src/cli/audit-sources.js';
import { verifyAuditEntries } from '../../../src/cli/audit-verify.js';
import { auditWorkspace } from './audit-fixture.js';
import { writerEnv } from './trail.js';
import { plainOf } from '../../../processors/audit/canonical.js';

const run = promisify(execFile);
const WRITER = join(import.meta.dirname, 'crash-writer.ts');

describe('the audit chain across a crash', () => {
  it('never gives out a sequence number twice: what a SIGKILL lost from memory shows as missing and unverified, not as forks', async () => {
    const ws = auditWorkspace();
    const env = writerEnv(ws, {
      OTEL_LOGKIT_AUDIT_DIGEST_RECORDS: '3',
      OTEL_BLRP_SCHEDULE_DELAY: '60000', // nothing leaves memory on its own: the last records die with the process
    });
    const crashed = await run(process.execPath, ['--import', 'tsx', WRITER, '1', '7', '5', '1'], { env }).catch((error: { signal?: string }) => error);
    expect((crashed as { signal?: string }).signal).toBe('SIGKILL');
    await run(process.execPath, ['--import', 'tsx', WRITER, '8', '4', '99', '0'], { env });

    const { entries } = await readAuditFile(ws.outDir);
    const report = verifyAuditEntries(entries, createPublicKey(readFileSync(ws.publicKeyFile)));
    const seqs = entries.filter((e) => plainOf(e.fields.attributes['log.type'] ?? null) === 'audit').map((e) => Number(plainOf(e.fields.attributes['audit.seq']!)));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 8, 9, 10, 11]);
    // The flush after record 5 signed records 4-5. Records 6-7 were still in memory: lost, and named;
    // the next run's first digest signs 6-8, of which only 8 survived and is vouched for.
    expect(report.findings.map((f) => `${f.kind} ${f.message}`).sort()).toEqual([
      'missing records 6-7 are missing',
      'unverified digest 4 signs records 6-8, but record 7 is missing: records 6 cannot be verified, and nothing vouches for record 7 and what came before it in that range',
    ]);
    expect(report.streams[0]).toMatchObject({ lastSeq: 11, verified: 9, verifiedThrough: 11 });
  });
});
