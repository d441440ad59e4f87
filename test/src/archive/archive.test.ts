import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { archive } from '../../../src/archive/index.js';
import { createLogPipeline } from '../../../src/pipeline.js';
import { runCli as cli } from '../cli/run-cli.js';

const KEY = 'ab'.repeat(32);

function objectPath(dir: string, ref: string): string {
  const address = ref.slice('sha256:'.length);
  return join(dir, 'sha256', address.slice(0, 2), address);
}

describe('archive(payload)', () => {
  it('stores the redacted payload content-addressed, owner-only, and returns the reference for the record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-archive-'));
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ARCHIVE_DIR: dir } });
    const payload = { order: 'o-1', card: '4111 1111 1111 1111', lines: [{ sku: 'A', qty: 2 }] };
    const pending = archive(payload, { contentType: 'application/json' });
    payload.order = 'changed after the call'; // the caller may reuse its object at once
    const ref = await pending;
    const stored = readFileSync(objectPath(dir, ref['archive.ref']));
    expect(ref['archive.ref']).toBe(`sha256:${createHash('sha256').update(stored).digest('hex')}`);
    expect(ref).toMatchObject({ 'archive.size': stored.length, 'archive.content_type': 'application/json' });
    const text = stored.toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ order: 'o-1', lines: [{ sku: 'A', qty: 2 }] });
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(statSync(objectPath(dir, ref['archive.ref'])).mode & 0o777).toBe(0o600);
    expect(pipeline.stats().archive).toMatchObject({ stored: 1, failed: 0 });
    await pipeline.shutdown();
  });

  it('encrypts at rest with OTEL_LOGKIT_ARCHIVE_KEY; archive get decrypts, checks the hash, and names an altered object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-archive-'));
    const env = { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ARCHIVE_DIR: dir, OTEL_LOGKIT_ARCHIVE_KEY: KEY };
    const pipeline = createLogPipeline({ env });
    const ref = await archive('the full request body, 1 MB in real life', { contentType: 'text/plain' });
    await pipeline.shutdown();
    const path = objectPath(dir, ref['archive.ref']);
    expect(readFileSync(path).toString('latin1')).not.toContain('full request body');

    const got = await cli(['archive', 'get', ref['archive.ref']], env);
    expect(got.stdout).toBe('the full request body, 1 MB in real life');
    expect(got.code).toBe(0);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(path, bytes);
    const altered = await cli(['archive', 'get', ref['archive.ref']], env);
    expect(altered.stderr).toMatch(/cannot be decrypted|altered/);
    expect(altered.code).toBe(4);
    const wrongKey = await cli(['archive', 'get', ref['archive.ref']], { ...env, OTEL_LOGKIT_ARCHIVE_KEY: 'cd'.repeat(32) });
    expect(wrongKey.code).toBe(4);
  });

  it('moves a body above OTEL_LOGKIT_ARCHIVE_THRESHOLD to the archive and keeps the reference on the record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-archive-'));
    const out = join(dir, 'out');
    const pipeline = createLogPipeline({
      env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out, OTEL_LOGKIT_ARCHIVE_DIR: join(dir, 'archive'), OTEL_LOGKIT_ARCHIVE_THRESHOLD: '1024' },
    });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    const big = `${'x'.repeat(4000)} contact ann@example.com`;
    provider.getLogger('upload').emit({ severityNumber: SeverityNumber.INFO, body: big, attributes: { small: 'kept', document: 'y'.repeat(2000) } });
    await provider.shutdown();
    const line = readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    expect(line).not.toContain('xxxxxxxxxx');
    expect(line).not.toContain('yyyyyyyyyy');
    const record = JSON.parse(line.trim().split('\n')[0]!).resourceLogs[0].scopeLogs[0].logRecords[0];
    const attr = (key: string) => record.attributes.find((a: { key: string }) => a.key === key)?.value;
    const ref = attr('archive.ref').stringValue as string;
    expect(record.body.stringValue).toBe(`[archived ${ref}]`);
    const stored = readFileSync(objectPath(join(dir, 'archive'), ref), 'utf8');
    expect(stored.startsWith('xxxx')).toBe(true);
    expect(stored).not.toContain('ann@example.com'); // redaction ran before the payload was stored
    expect(attr('small').stringValue).toBe('kept');
    expect(attr('document').kvlistValue.values.map((v: { key: string }) => v.key)).toEqual(['archive.ref', 'archive.size', 'archive.content_type']);
    expect(pipeline.stats().archive).toMatchObject({ moved: 2, stored: 2 });
  });

  it('rejects when no store is configured, and refuses a threshold without a store at startup', async () => {
    createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none' } });
    await expect(archive('x')).rejects.toMatchObject({ code: 'LOGKIT_ARCHIVE_FAILED' });
    expect(() => createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_ARCHIVE_THRESHOLD: '64KiB' } })).toThrow(/OTEL_LOGKIT_ARCHIVE_THRESHOLD=65536: expected unset unless/);
  });
});
