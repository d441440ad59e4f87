import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLoki, type LokiBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { emitRequestAcrossServices } from '../../src/cli/request-across-services.js';
import { EXPECTED_TIMELINE, runCli, timelineLines } from './run-cli.js';

// `otel-logkit view` and `otel-logkit doctor` against a real Loki 3, after the real pipeline wrote one
// request through two services with the Loki exporter.

let loki: LokiBackend;

beforeAll(async () => {
  loki = await startLoki();
});
afterAll(async () => {
  await loki?.dispose();
});

describe.each([
  { encoding: 'protobuf', lineFormat: 'text' },
  { encoding: 'json', lineFormat: 'json' },
])('otel-logkit view --loki (push $encoding, $lineFormat lines)', ({ encoding, lineFormat }) => {
  it('prints the request across both services from Loki, as from the file output', async () => {
    const env = { ...fastDelivery, OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl, OTEL_LOGKIT_LOKI_ENCODING: encoding, OTEL_LOGKIT_LOKI_LINE_FORMAT: lineFormat };
    const request = await emitRequestAcrossServices(env);
    for (const stats of request.stats) expect(stats.loki).toMatchObject({ failed: 0 });
    const html = join(mkdtempSync(join(tmpdir(), 'logkit-view-loki-')), 'request.html');
    const run = await eventually(
      () => runCli(['view', request.globalId, '--loki', loki.baseUrl, '--since', '1h', '--html', html], {}),
      (r) => r.stdout.includes('5 records'),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`request ${request.globalId}: 5 records · 2 services · 2 executions · 1 error · 1 deferred · 1 sequence gap`);
    expect(timelineLines(run.stdout)).toEqual(EXPECTED_TIMELINE);
    expect(readFileSync(html, 'utf8')).toContain('payment failed &lt;script&gt;');
  });
});

describe('otel-logkit doctor → Loki', () => {
  it('pushes a test record, reads it back by its correlation id and answers 0', async () => {
    const { code, stdout } = await runCli(['doctor'], { OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl });
    expect(stdout).toMatch(/reachable +ok/);
    expect(stdout).toMatch(/auth +ok {4}the query API answered 200/);
    expect(stdout).toMatch(/write +ok {4}a test record was pushed \(HTTP 204, protobuf\)/);
    expect(stdout).toMatch(/read back +ok {4}found by its correlation id after [\d.]+ s/);
    expect(code, stdout).toBe(0);
  });

  it('answers 1 with the fix when Loki is stopped', async () => {
    await loki.stop();
    try {
      const { code, stdout } = await runCli(['doctor'], { OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_LOKI_ENDPOINT: loki.baseUrl });
      expect(code).toBe(1);
      expect(stdout).toMatch(/reachable +FAIL {2}connection refused/);
      expect(stdout).toContain('fix: start Loki, or set OTEL_LOGKIT_LOKI_ENDPOINT to where it listens');
    } finally {
      await loki.start();
    }
  });
});
