import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { logs, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline, currentExecution, runWithExecution } from '../../../../src/index.js';
import { correlatedFetch, correlatedRequest, withCorrelation } from '../../../../src/integrations/http/index.js';

/** A downstream service: `/fail` answers 500, `/handled` marks its execution failed and answers 200, `/ok` succeeds. */
let base = '';
let server: http.Server;
beforeAll(async () => {
  server = http.createServer(
    withCorrelation((req, res) => {
      if (req.url === '/fail') res.statusCode = 500;
      if (req.url === '/handled') currentExecution()!.fail('handled');
      res.end('done');
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the between-services failure header', () => {
  it('is set by the server helpers on a 5xx and on a failed execution answered 200, and not on success', async () => {
    const fail = await fetch(`${base}/fail`);
    const handled = await fetch(`${base}/handled`);
    const ok = await fetch(`${base}/ok`);
    expect(fail.headers.get('x-logkit-execution-failed')).toBe('true');
    expect(handled.status).toBe(200);
    expect(handled.headers.get('x-logkit-execution-failed')).toBe('true');
    expect(ok.headers.get('x-logkit-execution-failed')).toBeNull();
  });

  it('marks the caller’s execution failed through correlatedFetch, even when the caller recovers', async () => {
    const fetchWithIds = correlatedFetch();
    const outcome = await runWithExecution(async () => {
      const answer = await fetchWithIds(`${base}/handled`).catch(() => undefined);
      expect(answer?.status).toBe(200); // the caller carries on as if nothing happened
      return currentExecution()!.failed;
    });
    expect(outcome).toBe(true);
    const clean = await runWithExecution(async () => {
      await fetchWithIds(`${base}/ok`);
      return currentExecution()!.failed;
    });
    expect(clean).toBe(false);
  });

  it('marks the caller’s execution failed through correlatedRequest', async () => {
    const request = correlatedRequest(http.request);
    const failed = await runWithExecution(async () => {
      const req = request(`${base}/fail`) as http.ClientRequest;
      req.end();
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      res.resume();
      await once(res, 'end');
      return currentExecution()!.failed;
    });
    expect(failed).toBe(true);
  });

  it('releases the caller’s own deferred DEBUG history when a service it called failed', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_LEVEL: 'info' }, exporter });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    const logger = provider.getLogger('caller');
    const fetchWithIds = correlatedFetch();
    await runWithExecution(async () => {
      logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'about to call billing' });
      await fetchWithIds(`${base}/fail`);
      logger.emit({ severityNumber: SeverityNumber.INFO, body: 'fell back to the cache' });
    });
    await runWithExecution(async () => {
      logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'quiet success' });
      await fetchWithIds(`${base}/ok`);
    });
    await provider.forceFlush();
    const bodies = exporter.getFinishedLogRecords().map((r) => r.body);
    expect(bodies).toContain('about to call billing');
    expect(bodies).not.toContain('quiet success');
    await provider.shutdown();
    logs.disable();
  });
});
