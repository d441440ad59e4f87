import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archive } from '../../../src/archive/index.js';
import { createLogPipeline } from '../../../src/pipeline.js';
import { startS3, type S3Backend } from './s3-server.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUCKET = 'audit-archive';

let s3: S3Backend;
let env: Record<string, string>;

async function archiveGet(ref: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'archive', 'get', ref], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  env = {
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_LOGKIT_ARCHIVE_S3_BUCKET: BUCKET,
    OTEL_LOGKIT_ARCHIVE_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    OTEL_LOGKIT_ARCHIVE_KEY: '5a'.repeat(32),
  };
});

afterAll(async () => {
  await s3?.dispose();
});

describe('the S3 archive store against a real S3-compatible server (versitygw)', () => {
  it('stores a redacted, encrypted payload; archive get fetches it and checks its hash; an altered object is named', async () => {
    const pipeline = createLogPipeline({ env });
    const ref = await archive({ document: 'contract 7', iban: 'DE89 3704 0044 0532 0130 00', secret: 'hunter2' }, { contentType: 'application/json' });
    expect(ref['archive.ref']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pipeline.stats().archive).toMatchObject({ stored: 1, failed: 0 });
    await pipeline.shutdown();

    const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: 'us-east-1', service: 's3' });
    const objectUrl = `${s3.endpoint}/${BUCKET}/otel-logkit/sha256/${ref['archive.ref'].slice(7)}`;
    const atRest = Buffer.from(await (await client.fetch(objectUrl)).arrayBuffer());
    expect(atRest.toString('latin1')).not.toContain('contract 7'); // AES-256-GCM at rest

    const got = await archiveGet(ref['archive.ref']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ document: 'contract 7' });
    expect(got.stdout).not.toContain('hunter2');

    atRest[20]! ^= 1;
    const put = await client.fetch(objectUrl, { method: 'PUT', body: atRest });
    expect(put.ok).toBe(true);
    const altered = await archiveGet(ref['archive.ref']);
    expect(altered.code).toBe(4);
    expect(altered.stderr).toContain(ref['archive.ref']);
    const missing = await archiveGet(`sha256:${'0'.repeat(64)}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`s3 bucket ${BUCKET}`);
  });

  it('counts a failed write and rejects with a typed error when the server refuses', async () => {
    const pipeline = createLogPipeline({ env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong-secret' } });
    await expect(archive('payload')).rejects.toMatchObject({ code: 'LOGKIT_ARCHIVE_FAILED' });
    expect(pipeline.stats().archive).toMatchObject({ stored: 0, failed: 1 });
    await pipeline.shutdown();
  });
});
