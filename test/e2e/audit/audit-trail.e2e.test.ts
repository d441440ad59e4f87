import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFields } from '../../../processors/audit/canonical.js';
import { readAuditSearch } from '../../../src/cli/audit-sources.js';
import type { AuditReport } from '../../../src/cli/audit-verify.js';
import { eventually, startLoki, startOpenSearch, type LokiBackend, type OpenSearchBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const WRITER = join(import.meta.dirname, 'audit-writer.ts');
const DATA_STREAM = 'logs-audit_e2e.otel-default';

let loki: LokiBackend;
let os: OpenSearchBackend;
let dir: string;
let publicKeyFile: string;
const service = `audit-e2e-${Date.now()}`;

/** A real child process: one life of the audited service. */
async function writeRecords(from: number, count: number, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', WRITER, String(from), String(count)], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 90_000 });
  return stdout;
}

/** `otel-logkit audit verify … --json` as a child process: its exit code and report. */
async function verify(...source: string[]): Promise<{ code: number; report: AuditReport & { verifyMs: number } }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'audit', 'verify', '--public-key', publicKeyFile, '--json', ...source], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, report: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (typeof failed.code !== 'number' || failed.stdout === '') throw new Error(`audit verify failed: ${failed.stderr}`);
    return { code: failed.code, report: JSON.parse(failed.stdout) };
  }
}

async function openSearch(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${os.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  [loki, os] = await Promise.all([startLoki(), startOpenSearch()]);
  dir = mkdtempSync(join(tmpdir(), 'logkit-audit-e2e-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'audit.key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  publicKeyFile = join(dir, 'audit.pub.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const env = {
    ...fastDelivery,
    OTEL_SERVICE_NAME: service,
    OTEL_LOGS_EXPORTER: 'loki,elasticsearch',
    OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl,
    OTEL_LOGKIT_LOKI_LINE_FORMAT: 'json',
    OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
    OTEL_LOGKIT_ELASTICSEARCH_DATASET: 'audit_e2e',
    OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE: 'true',
    OTEL_LOGKIT_SPOOL_DIR: join(dir, 'spool'),
    OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: join(dir, 'audit.key.pem'),
    OTEL_LOGKIT_AUDIT_DIGEST_RECORDS: '5',
    OTEL_LOGKIT_LEVEL: 'warn', // audit records pass whatever the level
  };
  // Two lives of the service: the sequence and the digest chain continue across the restart.
  expect(await writeRecords(1, 12, env)).toContain('"seq":12');
  expect(await writeRecords(13, 8, env)).toContain('"seq":20');
  // 20 records and 6 digests: run 1 start, after 5 and 10, shutdown (11-12); run 2 after 17, shutdown (18-20).
  await eventually(() => os.search(DATA_STREAM), (hits) => hits.length >= 20 + 6, { timeoutMs: 60_000 });
  await eventually(() => loki.query(`{service_name="${service}"}`), (streams) => streams.reduce((n, s) => n + s.values.length, 0) >= 26, { timeoutMs: 60_000 });
});

afterAll(async () => {
  await Promise.all([loki?.dispose(), os?.dispose()]);
});

describe('the audit trail against real Loki and OpenSearch', () => {
  it('verifies the stream written across a restart, from Loki and from OpenSearch', async () => {
    const fromLoki = await verify('--loki', loki.baseUrl, '--query', `{service_name="${service}"}`);
    expect(fromLoki.report.findings).toEqual([]);
    // Digests: each run's start (the first) and shutdown, and one every 5 records.
    expect(fromLoki.report.streams).toEqual([expect.objectContaining({ stream: service, records: 20, lastSeq: 20, verified: 20, verifiedThrough: 20 })]);
    expect(fromLoki.code).toBe(0);
    const fromSearch = await verify('--elasticsearch', os.baseUrl, '--index', DATA_STREAM);
    expect(fromSearch.report.findings).toEqual([]);
    expect(fromSearch.report.streams).toEqual([expect.objectContaining({ stream: service, records: 20, lastSeq: 20, verified: 20, verifiedThrough: 20 })]);
    expect(fromSearch.code).toBe(0);
  });

  it('detects and names a deleted document, an edited field and a forged insert in OpenSearch', async () => {
    await openSearch('POST', `/${DATA_STREAM}/_delete_by_query?refresh=true`, { query: { term: { 'attributes.audit.seq': 3 } } });
    const deleted = await verify('--elasticsearch', os.baseUrl, '--index', DATA_STREAM);
    // Record 3 is gone, and with it what vouched for records 1-2 (digest 2 signs 1-5 through record 3).
    expect(deleted.report.findings).toEqual([expect.objectContaining({ kind: 'missing', seq: 3 }), expect.objectContaining({ kind: 'unverified', seq: 1 })]);
    expect(deleted.code).toBe(7);

    await openSearch('POST', `/${DATA_STREAM}/_update_by_query?refresh=true`, {
      query: { term: { 'attributes.audit.seq': 10 } },
      script: { source: "ctx._source.attributes['amount'] = 1000000" },
    });
    const edited = await verify('--elasticsearch', os.baseUrl, '--index', DATA_STREAM);
    expect(edited.report.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'altered', seq: 10, where: expect.stringMatching(/^\.ds-logs-audit_e2e\.otel-default-\d+\//) })]));
    expect(edited.code).toBe(4);

    // A forger who knows the format: a copy of record 15, new content, a correctly recomputed hash.
    const genuine = (await os.search(DATA_STREAM, { term: { 'attributes.audit.seq': 15 } }))[0]!;
    const [entry] = (await readAuditSearch(new URL(os.baseUrl), { index: DATA_STREAM })).entries.filter((e) => JSON.stringify(e.fields.attributes['audit.seq']) === '{"i":"15"}');
    entry!.fields.body = { s: 'refund 15 approved twice' };
    const forged = structuredClone(genuine._source) as Record<string, Record<string, unknown>>;
    forged.body = { text: 'refund 15 approved twice' };
    forged.attributes!['audit.hash'] = hashFields(entry!.fields);
    const created = await openSearch('POST', `/${DATA_STREAM}/_doc?op_type=create&refresh=true`, forged);
    const inserted = await verify('--elasticsearch', os.baseUrl, '--index', DATA_STREAM);
    const kinds = inserted.report.findings.map((f) => `${f.kind} ${f.seq}`);
    expect(kinds.sort()).toEqual(['altered 10', 'inserted 15', 'missing 3', 'unverified 1', 'unverified 6']);
    expect(inserted.report.findings.find((f) => f.kind === 'inserted')!.where).toContain(String(created._id));
    expect(inserted.code).toBe(4); // altered comes first in the exit-code precedence
    expect(inserted.report.verifyMs).toBeGreaterThan(0);
  });
});
