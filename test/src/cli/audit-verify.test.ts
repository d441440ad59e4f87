import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashContent } from '../../../processors/audit/canonical.js';
import { readAuditFile } from '../../../src/cli/audit-sources.js';
import { exitCodeOf, type StoredAuditEntry, verifyAuditEntries } from '../../../src/cli/audit-verify.js';
import { auditWorkspace, writeAuditRecords } from '../../processors/audit/audit-fixture.js';
import { runCli } from './run-cli.js';

const cli = (args: string[]) => runCli(args);

let ws: ReturnType<typeof auditWorkspace>;
let entries: StoredAuditEntry[];

beforeAll(async () => {
  ws = auditWorkspace();
  await writeAuditRecords(ws, 1, 10);
  await writeAuditRecords(ws, 11, 6);
  entries = await readAuditFile(ws.outDir);
});

/** The stream as a store would give it back after `tamper`; each test tampers its own copy. */
function verifyAfter(tamper: (copy: StoredAuditEntry[]) => StoredAuditEntry[]) {
  const copy = structuredClone(entries);
  const report = verifyAuditEntries(tamper(copy), createPublicKey(readFileSync(ws.publicKeyFile)));
  return { report, code: exitCodeOf(report), kinds: report.findings.map((f) => f.kind) };
}

const seqOf = (e: StoredAuditEntry) => e.content.attributes['audit.seq'];
const isDigest = (e: StoredAuditEntry) => e.content.attributes['log.type'] === 'audit.digest';

describe('audit verify', () => {
  it('verifies an untouched stream written across a restart', () => {
    const { report, code } = verifyAfter((c) => c);
    expect(report.findings).toEqual([]);
    expect(report.streams[0]).toMatchObject({ records: 16, lastSeq: 16, verifiedThrough: 16 });
    expect(code).toBe(0);
  });

  it('names a deleted record as missing (exit 3)', () => {
    const { report, code } = verifyAfter((c) => c.filter((e) => seqOf(e) !== 7));
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'missing', seq: 7, message: 'records 7 are missing' })]);
    expect(code).toBe(3);
  });

  it('names an edited field as altered, with where it was found (exit 4)', () => {
    const { report, code } = verifyAfter((c) => {
      const victim = c.find((e) => seqOf(e) === 5)!;
      (victim.content.attributes.nested as Record<string, unknown>).amount = 1_000_000;
      return c;
    });
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'altered', seq: 5, where: expect.stringMatching(/\.jsonl:\d+$/) })]);
    expect(code).toBe(4);
  });

  it('names a forged record with a copied chain position as inserted (exit 5)', () => {
    const { report, code } = verifyAfter((c) => {
      const genuine = c.find((e) => seqOf(e) === 9)!;
      const forged = structuredClone(genuine);
      forged.where = 'forged';
      forged.content.body = 'refund 9 approved twice';
      // The forger recomputes the hash so the record is self-consistent; the chain still does not point at it.
      return [...c, { ...forged, hash: rehash(forged) }];
    });
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'inserted', seq: 9, where: 'forged' })]);
    expect(code).toBe(5);
  });

  it('names swapped records as inserted or reordered', () => {
    const { kinds } = verifyAfter((c) => {
      const a = c.find((e) => seqOf(e) === 3)!;
      const b = c.find((e) => seqOf(e) === 4)!;
      a.content.attributes['audit.seq'] = 4;
      b.content.attributes['audit.seq'] = 3;
      a.hash = rehash(a);
      b.hash = rehash(b);
      return c;
    });
    expect(kinds).toContain('inserted');
  });

  it('names a forged digest, and one signed with another key (exit 6)', () => {
    const forgedSignature = verifyAfter((c) => {
      const digest = c.filter(isDigest)[1]!;
      digest.content.attributes['audit.digest.last_seq'] = 7;
      return c;
    });
    expect(forgedSignature.kinds).toContain('digest');
    expect(forgedSignature.code).toBe(6);
    const other = generateKeyPairSync('ed25519').publicKey;
    const report = verifyAuditEntries(entries, other);
    expect(report.findings.filter((f) => f.kind === 'digest')).toHaveLength(entries.filter(isDigest).length);
  });

  it('names a deleted digest as missing digest', () => {
    const { report } = verifyAfter((c) => c.filter((e) => !(isDigest(e) && e.content.attributes['audit.digest.seq'] === 2)));
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'digest', message: expect.stringContaining('digest 2 missing') })]);
  });

  it('warns about records after the last digest (exit 7)', () => {
    const { report, code } = verifyAfter((c) => {
      const lastDigest = Math.max(...c.filter(isDigest).map((e) => Number(e.content.attributes['audit.digest.seq'])));
      return c.filter((e) => !(isDigest(e) && e.content.attributes['audit.digest.seq'] === lastDigest));
    });
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'unverified' })]);
    expect(code).toBe(7);
  });

  it('runs as a command: verified, then altered in the file itself', async () => {
    const ok = await cli(['audit', 'verify', '--public-key', ws.publicKeyFile, '--file', ws.outDir]);
    expect(ok.stdout).toMatch(/stream billing: 16 records, \d+ digests, sequence 1-16, signed through 16/);
    expect(ok.stdout).toMatch(/verified 16 records in [\d.]+ ms \(\d+ records\/s\)/);
    expect(ok.code).toBe(0);
    const file = readdirSync(ws.outDir).find((f) => f.endsWith('.jsonl'))!;
    const path = join(ws.outDir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace('refund 3 approved', 'refund 3 denied'));
    const altered = await cli(['audit', 'verify', '--public-key', ws.publicKeyFile, '--file', ws.outDir]);
    expect(altered.stdout).toMatch(/ALTERED\s+billing seq 3/);
    expect(altered.code).toBe(4);
    const usage = await cli(['audit', 'verify', '--file', ws.outDir]);
    expect(usage.code).toBe(2);
  });
});

function rehash(entry: StoredAuditEntry): string {
  return hashContent(entry.content);
}
