import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashFields } from '../../../processors/audit/canonical.js';
import { readAuditFile } from '../../../src/cli/audit-sources.js';
import { auditWorkspace } from '../../processors/audit/audit-fixture.js';
import { attribute, copyOf, digestSeqOf, editTrail, isDigest, type OtlpRecord, recordsOf, seqOf, verifyTrail, type Workspace, writerEnv, writeTrail } from '../../processors/audit/trail.js';

/** A two-run trail (records 1-10, then 11-16), written once by real processes; each test tampers with a copy. */
let trail: Workspace;
/** When the last digest of each run was signed, as an RFC 3339 time. */
let endOfRun: [string, string];

const iso = (nanos: string) => new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString();
const lastDigestAt = (records: OtlpRecord[]) => records.filter(isDigest).map((r) => String(attribute(r, 'audit.digest.signed_at')!.stringValue)).sort().at(-1)!;

beforeAll(async () => {
  trail = auditWorkspace();
  await writeTrail(trail, 1, 10, writerEnv(trail, { OTEL_LOGKIT_AUDIT_DIGEST_INTERVAL: '200' }));
  const first = lastDigestAt(recordsOf(trail));
  // The second run starts after the first one's interval has passed: cutting it must leave a gap.
  while (Date.now() <= Number(BigInt(first) / 1_000_000n) + 200) await new Promise((resolve) => setTimeout(resolve, 50));
  await writeTrail(trail, 11, 6, writerEnv(trail, { OTEL_LOGKIT_AUDIT_DIGEST_INTERVAL: '200' }));
  endOfRun = [iso(first), iso(lastDigestAt(recordsOf(trail)))];
}, 60_000);

/** The trail after `edit`, verified over the window that ends when the second run ended, without grace. */
async function verifyAfter(edit: (record: OtlpRecord, place: Parameters<Parameters<typeof editTrail>[1]>[1]) => OtlpRecord | null | void, ...args: string[]) {
  const ws = copyOf(trail);
  editTrail(ws, edit);
  return verifyTrail(ws, '--to', endOfRun[1], '--grace', '0', ...args);
}

/** A forger with the documented canonical form: recompute a record's hash after changing it. */
async function rehashed(ws: Workspace, seqs: number[]): Promise<void> {
  const entries = (await readAuditFile(ws.outDir)).entries;
  const hashes = new Map<number, string>();
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const entry = entries.find((e) => JSON.stringify(e.fields.attributes['audit.seq']) === JSON.stringify({ i: String(seq) }))!;
    if (hashes.has(seq - 1)) entry.fields.attributes['audit.prev_hash'] = { s: hashes.get(seq - 1)! };
    hashes.set(seq, hashFields(entry.fields));
  }
  editTrail(ws, (r) => {
    const seq = seqOf(r);
    if (seq === undefined || !hashes.has(seq)) return;
    if (hashes.has(seq - 1)) attribute(r, 'audit.prev_hash')!.stringValue = hashes.get(seq - 1);
    attribute(r, 'audit.hash')!.stringValue = hashes.get(seq);
  });
}

describe('audit verify: a healthy trail', () => {
  it('is VERIFIED over the default window (first record to now) and over the window ending with the last run', async () => {
    const now = await verifyTrail(copyOf(trail));
    expect(now.findings).toEqual([]);
    expect(now.streams).toEqual([expect.objectContaining({ stream: 'billing', records: 16, lastSeq: 16, verified: 16, verifiedThrough: 16, lastDigestReason: 'shutdown' })]);
    expect(now.code).toBe(0);
    const window = await verifyTrail(copyOf(trail), '--to', endOfRun[1], '--grace', '0', '--from', endOfRun[0]);
    expect(window.code).toBe(0);
  });
});

describe('audit verify: a trail cut short', () => {
  it('fails when the second run is removed: the window end is not covered by a digest', async () => {
    const first = recordsOf(trail).filter((r) => (seqOf(r) ?? 0) > 10 || (isDigest(r) && digestSeqOf(r) > 4));
    expect(first.length).toBeGreaterThan(0);
    const { code, findings } = await verifyAfter((r) => ((seqOf(r) ?? 0) > 10 || (isDigest(r) && digestSeqOf(r) > 4) ? null : r));
    expect(findings).toEqual([expect.objectContaining({ kind: 'unverified', message: expect.stringMatching(/the trail ends at .* a digest was due by .*the tail was cut, or the writer stopped/) })]);
    expect(code).toBe(7);
  });

  it('fails when the last records go with the last digest, once the next digest was due', async () => {
    const digest5 = recordsOf(trail).find((r) => isDigest(r) && digestSeqOf(r) === 5)!;
    const due = iso(String(BigInt(String(attribute(digest5, 'audit.digest.signed_at')!.stringValue)) + 201_000_000n));
    const cut = (r: OtlpRecord) => ((seqOf(r) ?? 0) >= 15 || (isDigest(r) && digestSeqOf(r) === 6) ? null : r);
    const healthy = await verifyTrail(copyOf(trail), '--to', due, '--grace', '0');
    expect(healthy.code).toBe(0);
    const { code, findings } = await verifyAfter(cut, '--to', due);
    expect(findings).toEqual([expect.objectContaining({ kind: 'unverified', message: expect.stringContaining('the tail was cut') })]);
    expect(code).toBe(7);
  });
});

describe('audit verify: forged and rewritten ranges', () => {
  it('a changed record whose chain was recomputed, and the signed record after it deleted, leaves the range unverified', async () => {
    const ws = copyOf(trail);
    editTrail(ws, (r) => {
      if (seqOf(r) === 6) attribute(r, 'refund.note')!.stringValue = 'forged';
    });
    await rehashed(ws, [6, 7]);
    editTrail(ws, (r) => (seqOf(r) === 8 ? null : r)); // record 8 is the one digest 3 signed
    const { code, findings } = await verifyTrail(ws, '--to', endOfRun[1], '--grace', '0');
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'unverified', seq: 5, message: expect.stringContaining('records 5-7 cannot be verified') })]));
    expect(code).toBe(7);
  });

  it('a full rewrite with recomputed hashes and every digest stripped fails: nothing vouches for the records', async () => {
    const ws = copyOf(trail);
    editTrail(ws, (r) => (isDigest(r) ? null : attribute(r, 'refund.note') && void (attribute(r, 'refund.note')!.stringValue = 'rewritten')));
    await rehashed(ws, Array.from({ length: 16 }, (_, i) => i + 1));
    const { code, findings } = await verifyTrail(ws);
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'unverified', message: 'no valid digest: nothing vouches for the 16 records of the stream' })]));
    expect(code).toBe(7);
  });

  it('a digest whose body or time was changed is forged: the whole digest record is signed', async () => {
    const body = await verifyAfter((r) => {
      if (isDigest(r) && digestSeqOf(r) === 2) r.body = { stringValue: 'audit digest 2: all fine' };
    });
    expect(body.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'digest', message: expect.stringContaining('digest 2 is forged') })]));
    expect(body.code).toBe(6);
    const time = await verifyAfter((r) => {
      if (isDigest(r) && digestSeqOf(r) === 2) r.timeUnixNano = '1000000000000000000';
    });
    expect(time.code).toBe(6);
  });

  it('a replayed copy of an old digest is named', async () => {
    const ws = copyOf(trail);
    const old = recordsOf(ws).find((r) => isDigest(r) && digestSeqOf(r) === 2)!;
    const file = join(ws.outDir, readdirSync(ws.outDir).find((f) => f.endsWith('.jsonl'))!);
    const resource = (JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { resourceLogs: { resource: unknown }[] }).resourceLogs[0]!.resource;
    appendFileSync(file, `${JSON.stringify({ resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'otel-logkit.audit' }, logRecords: [old] }] }] })}\n`);
    const { code, findings } = await verifyTrail(ws, '--to', endOfRun[1], '--grace', '0');
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'digest', message: expect.stringContaining('digest 2 appears again') })]));
    expect(code).toBe(6);
  });
});

describe('audit verify: every field an auditor relies on is covered', () => {
  const cases: [string, (r: OtlpRecord, place: { resource: { attributes: { key: string; value: Record<string, unknown> }[] }; scope: { version?: string } }) => void, RegExp][] = [
    ['the severity number (INFO to FATAL, text kept)', (r) => void (r.severityNumber = 21), /severity_number is 21, the hash covers 9/],
    ['the trace id', (r) => void (r.traceId = '0af7651916cd43dd8448eb211c80319c'), /trace_id is/],
    ['the span id', (r) => void (r.spanId = 'b7ad6b7169203331'), /span_id is/],
    ['the trace flags', (r) => void (r.flags = 0), /trace_flags is 0, the hash covers 1/],
    ['the observed time', (r) => void (r.observedTimeUnixNano = '1000'), /observed_time_unix_nano is/],
    ['the resource (service.name)', (_r, place) => void (place.resource.attributes.find((a) => a.key === 'service.name')!.value = { stringValue: 'payroll' }), /resource is/],
    ['the scope version', (_r, place) => void (place.scope.version = '9.9.9'), /scope_version is/],
    ['an int made a double', (r) => void (attribute(r, 'refund.id')!.doubleValue = Number(attribute(r, 'refund.id')!.intValue), delete attribute(r, 'refund.id')!.intValue), /does not match its hash/],
    ['a string made bytes', (r) => void (attribute(r, 'refund.note')!.bytesValue = 'b2s=', delete attribute(r, 'refund.note')!.stringValue), /does not match its hash/],
    ['a bool made a string', (r) => void (attribute(r, 'approved')!.stringValue = 'true', delete attribute(r, 'approved')!.boolValue), /does not match its hash/],
    ['a duplicated attribute key', (r) => void r.attributes.unshift({ key: 'refund.note', value: { stringValue: 'forged first copy' } }), /the key refund.note appears twice/],
  ];
  for (const [what, edit, message] of cases) {
    it(`a changed ${what} is named as altered`, async () => {
      const { code, findings } = await verifyAfter((r, place) => {
        if (seqOf(r) === 5) edit(r, place);
      });
      expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'altered', message: expect.stringMatching(message), where: expect.stringMatching(/\.jsonl:\d+$/) })]));
      expect(code).toBe(4);
    });
  }
});

describe('audit verify: what cannot be checked is never VERIFIED', () => {
  it('exits 8 saying so for an empty file, a directory without .jsonl files, a trail without audit records, and an unknown stream', async () => {
    const ws = copyOf(trail);
    const empty = join(ws.dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const emptyDir = join(ws.dir, 'nothing');
    mkdirSync(emptyDir);
    for (const args of [['--file', empty], ['--file', emptyDir]]) {
      const { code, notes } = await verifyTrail({ ...ws, outDir: args[1]! });
      expect(notes.join(' ')).toMatch(/nothing to verify/);
      expect(code).toBe(8);
    }
    expect((await verifyTrail(copyOf(trail), '--stream', 'payroll')).code).toBe(8);
    expect((await verifyAfter(() => null)).code).toBe(8);
  });

  it('an audit record stripped of its chain fails as unchained', async () => {
    const { code, findings } = await verifyAfter((r) => {
      if (seqOf(r) === 3) r.attributes = r.attributes.filter((a) => !a.key.startsWith('audit.'));
    });
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'unverified', message: expect.stringContaining('without a chain') })]));
    expect(code).toBe(7);
  });

  it('auditLogger records written without a signing key are unsigned, not VERIFIED', async () => {
    const ws = auditWorkspace();
    const env = writerEnv(ws);
    delete (env as Record<string, string | undefined>).OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE;
    await writeTrail(ws, 1, 3, env);
    const { code, findings } = await verifyTrail(ws);
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatchObject({ kind: 'unverified', message: expect.stringContaining('written without a signing key') });
    expect(code).toBe(7);
  });
});

describe('audit verify: damage and restarts', () => {
  it('a damaged line is named with its file and line, and the rest is still verified', async () => {
    const ws = copyOf(trail);
    const file = join(ws.outDir, readdirSync(ws.outDir).find((f) => f.endsWith('.jsonl'))!);
    appendFileSync(file, '{"resourceLogs":[{"scopeLo\n');
    const { code, findings, streams } = await verifyTrail(ws, '--to', endOfRun[1], '--grace', '0');
    expect(findings).toEqual([expect.objectContaining({ kind: 'altered', where: expect.stringMatching(/\.jsonl:\d+$/), message: expect.stringContaining('damaged line') })]);
    expect(streams[0]).toMatchObject({ verified: 16 });
    expect(code).toBe(4);
  });

  it('a lost chain state starts a new chain with a signed start digest, which verify reports as a restart', async () => {
    const ws = auditWorkspace();
    await writeTrail(ws, 1, 5);
    rmSync(join(ws.spoolDir, 'audit-chain'), { recursive: true });
    await writeTrail(ws, 6, 3);
    const { code, findings, notes, streams } = await verifyTrail(ws);
    expect(findings).toEqual([]);
    expect(notes.join('\n')).toMatch(/chain [0-9a-f]+ restarted at .*the chain state of the previous one was lost/);
    expect(streams[0]).toMatchObject({ records: 8, verified: 8 });
    expect(code).toBe(0);
  });

  it('a script that never calls shutdown() still leaves its tail signed (the automatic flush at exit)', async () => {
    const ws = auditWorkspace();
    await writeTrail(ws, 1, 3, writerEnv(ws), 2);
    const { code, streams } = await verifyTrail(ws);
    expect(streams[0]).toMatchObject({ records: 3, verified: 3 });
    expect(code).toBe(0);
  });

  it('usage errors exit 2', async () => {
    const { runCli } = await import('./run-cli.js');
    expect((await runCli(['audit', 'verify', '--file', trail.outDir])).code).toBe(2);
    expect((await runCli(['audit', 'verify', '--public-key', trail.publicKeyFile, '--file', trail.outDir, '--to', 'yesterday'])).code).toBe(2);
  });
});
