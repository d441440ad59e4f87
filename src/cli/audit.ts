import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { readAuditFile, readAuditLoki, readAuditSearch } from './audit-sources.js';
import { type AuditReport, exitCodeOf, type StoredAuditEntry, verifyAuditEntries, VERIFY_EXIT } from './audit-verify.js';

const USAGE = `usage: otel-logkit audit verify --public-key <pem> (--file <path> | --loki <url> | --elasticsearch <url>) [options]

Reads an audit stream back and checks its chain and signed digests; needs only the public key.
  --file <path>            the file output: a logs*.jsonl file, or the directory holding them
  --loki <url>             Loki; lines must be JSON (OTEL_LOGKIT_LOKI_LINE_FORMAT=json)
      --query <logql>      default: {service_name=~".+"} |= "audit.stream"
      --since <hours>      how far back to read (default 720)
  --elasticsearch <url>    Elasticsearch or OpenSearch, otel mapping
      --index <pattern>    default: logs-*
  --stream <id>            only this stream (default: every stream found)
  --json                   the report as JSON on stdout

exit codes: 0 verified; 3 records missing; 4 records altered; 5 records inserted or reordered;
6 a digest forged or missing; 7 records after the last digest (unverified: a warning); 2 usage or read error.
When several problems are found, the code is the first of: altered, inserted, digest, missing, unverified.
`;

interface Io {
  stdout: Writable;
  stderr: Writable;
}

/**
 * `otel-logkit audit verify`: reads the stream from the file output, Loki or Elasticsearch/OpenSearch,
 * verifies it (see audit-verify.ts), prints each finding and the verification rate, and returns the
 * exit code of the worst finding.
 *
 * @example
 * // otel-logkit audit verify --public-key audit.pub.pem --elasticsearch http://127.0.0.1:9200
 */
export async function runAuditCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') {
    (sub === undefined || sub === '-h' || sub === '--help' ? io.stdout : io.stderr).write(USAGE);
    return sub === '-h' || sub === '--help' ? 0 : 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        'public-key': { type: 'string' },
        file: { type: 'string' },
        loki: { type: 'string' },
        elasticsearch: { type: 'string' },
        query: { type: 'string' },
        since: { type: 'string' },
        index: { type: 'string' },
        stream: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    io.stderr.write(`otel-logkit audit: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const sources = ['file', 'loki', 'elasticsearch'].filter((s) => values[s] !== undefined);
  if (typeof values['public-key'] !== 'string' || sources.length !== 1) {
    io.stderr.write(`otel-logkit audit verify: give --public-key and exactly one of --file, --loki, --elasticsearch\n${USAGE}`);
    return 2;
  }
  let publicKey: KeyObject;
  let entries: StoredAuditEntry[];
  const readStart = performance.now();
  try {
    publicKey = createPublicKey(await readFile(values['public-key']));
    entries = await readEntries(values);
  } catch (error) {
    io.stderr.write(`otel-logkit audit verify: ${(error as Error).message}\n`);
    return 2;
  }
  const readMs = performance.now() - readStart;
  if (typeof values.stream === 'string') entries = entries.filter((e) => e.content.attributes['audit.stream'] === values.stream);
  const start = performance.now();
  const report = verifyAuditEntries(entries, publicKey);
  const verifyMs = performance.now() - start;
  const code = exitCodeOf(report);
  if (values.json) io.stdout.write(`${JSON.stringify({ ...report, exitCode: code, readMs, verifyMs }, null, 2)}\n`);
  else io.stdout.write(formatReport(report, code, readMs, verifyMs));
  return code;
}

async function readEntries(values: Record<string, string | boolean | undefined>): Promise<StoredAuditEntry[]> {
  if (typeof values.file === 'string') return readAuditFile(values.file);
  if (typeof values.loki === 'string') {
    const hours = Number(values.since ?? 720);
    if (!(hours > 0)) throw new Error(`--since ${String(values.since)}: expected a number of hours`);
    return readAuditLoki(new URL(values.loki), { query: typeof values.query === 'string' ? values.query : '{service_name=~".+"} |= "audit.stream"', sinceMs: hours * 3_600_000 });
  }
  return readAuditSearch(new URL(String(values.elasticsearch)), { index: typeof values.index === 'string' ? values.index : 'logs-*' });
}

const LABELS: Record<number, string> = {
  [VERIFY_EXIT.verified]: 'VERIFIED',
  [VERIFY_EXIT.missing]: 'RECORDS MISSING',
  [VERIFY_EXIT.altered]: 'RECORDS ALTERED',
  [VERIFY_EXIT.inserted]: 'RECORDS INSERTED OR REORDERED',
  [VERIFY_EXIT.digest]: 'DIGEST FORGED OR MISSING',
  [VERIFY_EXIT.unverified]: 'VERIFIED UP TO THE LAST DIGEST; LATER RECORDS UNVERIFIED (warning)',
};

function formatReport(report: AuditReport, code: number, readMs: number, verifyMs: number): string {
  const lines: string[] = [];
  for (const s of report.streams) lines.push(`stream ${s.stream}: ${s.records} records, ${s.digests} digests, sequence 1-${s.lastSeq}, signed through ${s.verifiedThrough}`);
  if (report.streams.length === 0) lines.push('no audit records found');
  for (const f of report.findings) {
    lines.push(`${f.kind.toUpperCase().padEnd(10)} ${f.stream}${f.seq !== undefined ? ` seq ${f.seq}` : ''}${f.where ? ` (${f.where})` : ''}: ${f.message}`);
  }
  const rate = verifyMs > 0 ? Math.round(report.records / (verifyMs / 1000)) : report.records;
  lines.push(`read in ${Math.round(readMs)} ms; verified ${report.records} records in ${verifyMs.toFixed(1)} ms (${rate} records/s)`);
  lines.push(`result: ${LABELS[code]} (exit ${code})`);
  return `${lines.join('\n')}\n`;
}
