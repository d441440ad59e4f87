import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { plainOf } from '../../processors/audit/index.js';
import { type AuditReadout, readAuditFile, readAuditLoki, readAuditSearch } from './audit-sources.js';
import { type AuditReport, exitCodeOf, verifyAuditEntries, type VerifyWindow, VERIFY_EXIT } from './audit-verify.js';

const USAGE = `usage: otel-logkit audit verify --public-key <pem> (--file <path> | --loki <url> | --elasticsearch <url>) [options]

Reads an audit stream back and checks its chain and signed digests; needs only the public key.
  --file <path>            the file output: a logs*.jsonl file, or the directory holding them
  --loki <url>             Loki; lines must be JSON (OTEL_LOGKIT_LOKI_LINE_FORMAT=json)
      --query <logql>      default: {service_name=~".+"} |= "audit.stream"
      --since <hours>      how far back to read (default 720)
  --elasticsearch <url>    Elasticsearch or OpenSearch, otel mapping
      --index <pattern>    default: logs-*
  --stream <id>            only this stream (default: every stream found)
  --from <time>            the window's start, RFC 3339 (default: the first record)
  --to <time>              the window's end, RFC 3339 (default: now); a digest must cover it
  --grace <seconds>        how late a digest may be beyond the interval it promises (default 60)
  --json                   the report as JSON on stdout

exit codes: 0 verified; 2 usage or read error; 3 records missing; 4 records altered, or a line damaged;
5 records inserted or reordered; 6 a digest forged, missing, replayed or out of order; 7 records no
signature vouches for (unchained, a broken signed range, no digest) or a window end no digest covers;
8 nothing to verify (no audit records, no matching stream, no input).
When several problems are found, the code is the first of: altered, inserted, digest, unverified, missing.
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
        from: { type: 'string' },
        to: { type: 'string' },
        grace: { type: 'string' },
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
  let window: VerifyWindow;
  try {
    window = windowOf(values);
  } catch (error) {
    io.stderr.write(`otel-logkit audit verify: ${(error as Error).message}\n${USAGE}`);
    return VERIFY_EXIT.usage;
  }
  let publicKey: KeyObject;
  let readout: AuditReadout;
  const readStart = performance.now();
  try {
    publicKey = createPublicKey(await readFile(values['public-key']));
    readout = await readEntries(values);
  } catch (error) {
    io.stderr.write(`otel-logkit audit verify: ${(error as Error).message}\n`);
    return VERIFY_EXIT.usage;
  }
  const readMs = performance.now() - readStart;
  let entries = readout.entries;
  const only = values.stream;
  if (typeof only === 'string') entries = entries.filter((e) => plainOf(e.fields.attributes['audit.stream'] ?? null) === only);
  const start = performance.now();
  const report = verifyAuditEntries(entries, publicKey, window);
  const verifyMs = performance.now() - start;
  for (const { where, message } of readout.damaged) report.findings.unshift({ kind: 'altered', stream: '', message: `damaged line: ${message}`, where });
  const nothing = readout.inputs === 0 ? 'the source holds nothing to read' : entries.length === 0 ? (typeof values.stream === 'string' ? `no audit records of stream ${values.stream}` : 'no audit records') : undefined;
  if (nothing !== undefined) report.notes.push(`nothing to verify: ${nothing}`);
  const code = exitCodeOf(report);
  if (values.json) io.stdout.write(`${JSON.stringify({ ...report, exitCode: code, readMs, verifyMs }, null, 2)}\n`);
  else io.stdout.write(formatReport(report, code, readMs, verifyMs));
  return code;
}

/** `--from`, `--to` (RFC 3339) and `--grace` (seconds) as the verifier's window. */
function windowOf(values: Record<string, string | boolean | undefined>): VerifyWindow {
  const instant = (name: string): bigint | undefined => {
    const value = values[name];
    if (typeof value !== 'string') return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new Error(`--${name} ${value}: expected a time such as 2026-03-01T00:00:00Z`);
    return BigInt(ms) * 1_000_000n;
  };
  const window: VerifyWindow = { fromNs: instant('from'), toNs: instant('to') };
  if (typeof values.grace === 'string') {
    const seconds = Number(values.grace);
    if (!(seconds >= 0)) throw new Error(`--grace ${values.grace}: expected a number of seconds`);
    window.graceMs = seconds * 1000;
  }
  return window;
}

async function readEntries(values: Record<string, string | boolean | undefined>): Promise<AuditReadout> {
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
  [VERIFY_EXIT.digest]: 'DIGEST FORGED, MISSING OR REPLAYED',
  [VERIFY_EXIT.unverified]: 'NOT VERIFIED: RECORDS OR TIME NO SIGNATURE COVERS',
  [VERIFY_EXIT.nothing]: 'NOTHING TO VERIFY',
};

function formatReport(report: AuditReport, code: number, readMs: number, verifyMs: number): string {
  const lines: string[] = [];
  for (const s of report.streams) {
    const last = s.lastDigestAt === undefined ? 'no valid digest' : `last digest ${new Date(Number(BigInt(s.lastDigestAt) / 1_000_000n)).toISOString()} (${s.lastDigestReason ?? 'version 1'})`;
    lines.push(`stream ${s.stream}: ${s.records} records, ${s.digests} digests, sequence 1-${s.lastSeq}, ${s.verified} verified, signed through ${s.verifiedThrough}; ${last}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const f of report.findings) {
    lines.push(`${f.kind.toUpperCase().padEnd(10)} ${f.stream}${f.seq !== undefined ? ` seq ${f.seq}` : ''}${f.where ? ` (${f.where})` : ''}: ${f.message}`);
  }
  const rate = verifyMs > 0 ? Math.round(report.records / (verifyMs / 1000)) : report.records;
  lines.push(`read in ${Math.round(readMs)} ms; verified ${report.records} records in ${verifyMs.toFixed(1)} ms (${rate} records/s)`);
  lines.push(`result: ${LABELS[code]} (exit ${code})`);
  return `${lines.join('\n')}\n`;
}
