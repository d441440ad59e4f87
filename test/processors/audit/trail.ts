/**
 * Real trails for the tampering tests: written by real child processes (crash-writer.ts) to the file
 * output, then edited on disk the way an insider with write access to the store would, and checked
 * by `otel-logkit audit verify` run as a command.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/run-cli.js';
import { type auditWorkspace, writerEnv } from './audit-fixture.js';

export { writerEnv };

const run = promisify(execFile);
const WRITER = join(import.meta.dirname, 'crash-writer.ts');

export type Workspace = ReturnType<typeof auditWorkspace>;

/** One life of the service: `count` audit records from `from`; `end` as crash-writer.ts says. */
export async function writeTrail(ws: Workspace, from: number, count: number, env: Record<string, string> = writerEnv(ws), end = 0): Promise<void> {
  await run(process.execPath, ['--import', 'tsx', WRITER, String(from), String(count), '99', String(end)], { env });
}

/** A copy of a workspace, so each test tampers with its own trail. */
export function copyOf(ws: Workspace): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-audit-copy-'));
  cpSync(ws.dir, dir, { recursive: true });
  return { ...ws, dir, spoolDir: join(dir, 'spool'), outDir: join(dir, 'out') };
}

export type OtlpValue = Record<string, unknown>;
export type OtlpRecord = Record<string, unknown> & { attributes: { key: string; value: OtlpValue }[] };
export interface RecordPlace {
  resource: { attributes: { key: string; value: OtlpValue }[] };
  scope: { name?: string; version?: string };
}

export function attribute(record: OtlpRecord, key: string): OtlpValue | undefined {
  return record.attributes.find((a) => a.key === key)?.value;
}
export const seqOf = (record: OtlpRecord): number | undefined => (attribute(record, 'audit.seq') ? Number(attribute(record, 'audit.seq')!.intValue) : undefined);
export const isDigest = (record: OtlpRecord): boolean => attribute(record, 'log.type')?.stringValue === 'audit.digest';
export const digestSeqOf = (record: OtlpRecord): number => Number(attribute(record, 'audit.digest.seq')?.intValue);

/**
 * Rewrites every record of the file output through `edit`: return `null` to delete the record, or
 * change it in place. Lines keep their order; a line left without records is dropped.
 */
export function editTrail(ws: Workspace, edit: (record: OtlpRecord, place: RecordPlace) => OtlpRecord | null | void): void {
  for (const file of readdirSync(ws.outDir).filter((f) => f.endsWith('.jsonl'))) {
    const path = join(ws.outDir, file);
    const lines: string[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const request = JSON.parse(line) as { resourceLogs: (RecordPlace & { scopeLogs: { scope: RecordPlace['scope']; logRecords: OtlpRecord[] }[] })[] };
      let left = 0;
      for (const resourceLogs of request.resourceLogs) {
        for (const scopeLogs of resourceLogs.scopeLogs) {
          scopeLogs.logRecords = scopeLogs.logRecords.flatMap((r) => {
            const out = edit(r, { resource: resourceLogs.resource, scope: scopeLogs.scope });
            return out === null ? [] : [out ?? r];
          });
          left += scopeLogs.logRecords.length;
        }
      }
      if (left > 0) lines.push(JSON.stringify(request));
    }
    writeFileSync(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  }
}

/** Every record of the file output, in file order. */
export function recordsOf(ws: Workspace): OtlpRecord[] {
  const out: OtlpRecord[] = [];
  editTrail(ws, (r) => void out.push(structuredClone(r)));
  return out;
}

export interface VerifyOutcome {
  code: number | null;
  findings: { kind: string; message: string; seq?: number; where?: string }[];
  notes: string[];
  streams: Record<string, unknown>[];
  stdout: string;
}

/** `otel-logkit audit verify --file <out> --json <args>` as a child process. */
export async function verifyTrail(ws: Workspace, ...args: string[]): Promise<VerifyOutcome> {
  const result = await runCli(['audit', 'verify', '--public-key', ws.publicKeyFile, '--file', ws.outDir, '--json', ...args]);
  if (result.stdout === '') throw new Error(`audit verify printed nothing (exit ${result.code}): ${result.stderr}`);
  const report = JSON.parse(result.stdout) as Omit<VerifyOutcome, 'code' | 'stdout'>;
  return { code: result.code, findings: report.findings, notes: report.notes, streams: report.streams, stdout: result.stdout };
}
