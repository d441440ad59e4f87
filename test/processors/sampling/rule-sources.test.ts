import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, type LogkitRecord } from '../../../src/index.js';
import { closeAll, DEBUG, emit, startPipeline, type SamplingHarness } from './harness.js';

afterEach(closeAll);

function rulesFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-rules-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Replaces the file the way editors and config management do: write aside, rename over. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Emits a DEBUG probe on `billing` until one gets through; returns how long the rules took to apply. */
async function probeUntilDebugPasses(h: SamplingHarness): Promise<number> {
  const started = Date.now();
  await expect
    .poll(
      async () => {
        emit(h.logger('billing'), DEBUG, 'probe');
        return (await h.bodies()).includes('probe');
      },
      { interval: 25, timeout: 5000 },
    )
    .toBe(true);
  return Date.now() - started;
}

async function auditRecords(h: SamplingHarness): Promise<LogkitRecord[]> {
  return (await h.records()).filter((r) => r.attributes['logkit.audit'] === true);
}

const noDeferral = { OTEL_LOGKIT_DEFERRED: 'false' };

describe('rules file (OTEL_LOGKIT_LEVELS_FILE)', () => {
  it('is read at startup, in YAML', async () => {
    const path = rulesFile('levels.yaml', 'level: warn\nlevels:\n  billing.*: debug\n');
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path });
    emit(h.logger('billing.cards'), DEBUG, 'kept');
    emit(h.logger('http'), 9, 'below warn');
    expect(await h.bodies()).toEqual(['kept']);
    expect(await auditRecords(h)).toEqual([]);
  });

  it('applies a change within 1 s without restart, and logs it as an audit record', async () => {
    const path = rulesFile('levels.json', JSON.stringify({ levels: { billing: 'info' } }));
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path });
    emit(h.logger('billing'), DEBUG, 'dropped');
    replaceFile(path, JSON.stringify({ levels: { billing: 'debug' } }));
    const took = await probeUntilDebugPasses(h);
    expect(took).toBeLessThan(1000);
    const [audit] = await auditRecords(h);
    expect(audit!.attributes).toMatchObject({
      'logkit.rules.outcome': 'changed',
      'logkit.rules.source': 'file',
      'logkit.rules.origin': path,
      'logkit.rules.changes': ['levels.billing: INFO → DEBUG'],
    });
    expect(h.pipeline.stats().sampling).toMatchObject({ rules_changes: 1, rules_errors: 0 });
  });

  it('picks up a change by polling when the write is in place (no rename)', async () => {
    const path = rulesFile('levels.yaml', 'levels: { billing: info }\n');
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path, OTEL_LOGKIT_LEVELS_POLL_INTERVAL: '50' });
    writeFileSync(path, 'levels: { billing: debug }\n');
    await probeUntilDebugPasses(h);
  });

  it('keeps the last good rules when the file breaks, and reports why once (diag, stats, audit)', async () => {
    const path = rulesFile('levels.yaml', 'levels: { billing: debug }\n');
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path, OTEL_LOGKIT_LEVELS_POLL_INTERVAL: '50' });
    replaceFile(path, 'levels: { billing: loud }\n');
    await expect.poll(() => h.pipeline.stats().sampling!.rules_errors, { interval: 20, timeout: 5000 }).toBe(1);
    emit(h.logger('billing'), DEBUG, 'still debug');
    expect(await h.bodies()).toEqual(['still debug']);
    const [audit] = await auditRecords(h);
    expect(audit!.attributes['logkit.rules.outcome']).toBe('rejected');
    expect(audit!.attributes['logkit.rules.error']).toMatch(/levels billing=loud: expected a severity name/);
    replaceFile(path, 'levels: { billing: [unclosed\n');
    await expect.poll(() => h.pipeline.stats().sampling!.rules_errors, { interval: 20, timeout: 5000 }).toBe(2);
    rmSync(path);
    await expect.poll(() => h.pipeline.stats().sampling!.rules_errors, { interval: 20, timeout: 5000 }).toBe(3);
    emit(h.logger('billing'), DEBUG, 'still debug after delete');
    expect(await h.bodies()).toContain('still debug after delete');
    writeFileSync(path, 'levels: { billing: warn }\n');
    await expect.poll(() => h.pipeline.stats().sampling!.rules_changes, { interval: 20, timeout: 5000 }).toBe(1);
  });

  it('sets sampling ratios and the rate limit too, over the environment’s', async () => {
    const path = rulesFile('levels.yaml', 'sample:\n  info: 0\nrateLimit:\n  perSecond: 1\n  burst: 2\n');
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path, OTEL_LOGKIT_SAMPLE_RATIOS: 'info=1,warn=1' });
    emit(h.logger(), 9, 'info sampled out');
    for (let i = 0; i < 5; i++) emit(h.logger(), 13, 'warn');
    expect(await h.bodies()).toEqual(['warn', 'warn']);
    expect(h.pipeline.stats().sampling!.dropped).toEqual({ sampled_out: 1, rate_limited: 3 });
  });

  it('fails at startup when missing or broken, naming the variable, the file and the problem', () => {
    const missing = join(tmpdir(), 'logkit-no-such-dir', 'levels.yaml');
    expect(() => startPipeline({ OTEL_LOGKIT_LEVELS_FILE: missing })).toThrow(ConfigError);
    expect(() => startPipeline({ OTEL_LOGKIT_LEVELS_FILE: missing })).toThrow(`OTEL_LOGKIT_LEVELS_FILE=${missing}`);
    const broken = rulesFile('levels.yaml', 'level: verbose\n');
    expect(() => startPipeline({ OTEL_LOGKIT_LEVELS_FILE: broken })).toThrow(`OTEL_LOGKIT_LEVELS_FILE (${broken}) level=verbose: expected a severity name`);
    const unknown = rulesFile('levels.yaml', 'levle: debug\n');
    expect(() => startPipeline({ OTEL_LOGKIT_LEVELS_FILE: unknown })).toThrow(/levle=debug: expected one of the keys level, levels, sample, rateLimit/);
  });
});

describe('rules URL (OTEL_LOGKIT_LEVELS_URL)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: (send: (status: number, body: string, etag?: string) => void, ifNoneMatch?: string) => void): Promise<string> {
    server = createServer((req, res) => {
      handler((status, body, etag) => {
        res.writeHead(status, etag ? { etag, 'content-type': 'application/json' } : { 'content-type': 'application/json' });
        res.end(body);
      }, req.headers['if-none-match']);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/rules?token=secret`;
  }

  it('is polled, a change applies within 1 s, unchanged documents cost a 304, and the audit names the URL without its query', async () => {
    let document = JSON.stringify({ levels: { billing: 'info' } });
    let notModified = 0;
    const url = await serve((send, ifNoneMatch) => {
      const etag = `"${document.length}-${document.includes('debug') ? 'd' : 'i'}"`;
      if (ifNoneMatch === etag) {
        notModified++;
        return send(304, '');
      }
      send(200, document, etag);
    });
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_URL: url, OTEL_LOGKIT_LEVELS_POLL_INTERVAL: '50' });
    await expect.poll(() => notModified, { interval: 20, timeout: 5000 }).toBeGreaterThan(0);
    document = JSON.stringify({ levels: { billing: 'debug' } });
    expect(await probeUntilDebugPasses(h)).toBeLessThan(1000);
    const audits = await auditRecords(h);
    expect(audits.map((a) => a.attributes['logkit.rules.changes'])).toEqual([['levels.billing: unset → INFO'], ['levels.billing: INFO → DEBUG']]);
    expect(audits[0]!.attributes['logkit.rules.origin']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/rules$/);
  });

  it('keeps the last good rules when the server fails, counted once per distinct reason', async () => {
    let status = 200;
    const url = await serve((send) => send(status, JSON.stringify({ level: 'debug' })));
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_URL: url, OTEL_LOGKIT_LEVELS_POLL_INTERVAL: '30' });
    await expect.poll(() => h.pipeline.stats().sampling!.rules_changes, { interval: 20, timeout: 5000 }).toBe(1);
    status = 500;
    await expect.poll(() => h.pipeline.stats().sampling!.rules_errors, { interval: 20, timeout: 5000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.pipeline.stats().sampling!.rules_errors).toBe(1);
    emit(h.logger(), DEBUG, 'still debug');
    expect(await h.bodies()).toEqual(['still debug']);
  });
});
