/**
 * A backend that refuses records for good (a wrong path, bad credentials) loses every record sent to
 * it, whatever the retries or a spool. The user is told once per destination and cause, naming the
 * destination, the URL, the status and the fix — in every set-up: the pipeline's processors (as
 * NodeSDK gets them), an SDK exporter under the stock batch processor, and the collector.
 */
import { diag, DiagLogLevel, SeverityNumber } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline, OtlpLogRecordExporter } from '../../../src/index.js';
import { otlpJson, startCollector, until } from '../../src/collector/harness.js';
import { LoopbackReceiver } from '../receiver.js';

const warnings: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

function captureWarnings(): void {
  const noop = () => {};
  diag.setLogger({ warn: (message: string) => warnings.push(message), error: noop, info: noop, debug: noop, verbose: noop }, DiagLogLevel.WARN);
}

async function refusingReceiver(status: number, body = 'page not found'): Promise<LoopbackReceiver> {
  const receiver = await LoopbackReceiver.start();
  receiver.answer = () => ({ status, body });
  cleanups.push(() => receiver.close());
  return receiver;
}

afterEach(async () => {
  diag.disable();
  warnings.length = 0;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const fast = { OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2', OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5', OTEL_LOGKIT_RETRY_MAX_BACKOFF: '20' };

describe('a backend that refuses records for good', () => {
  it('(pipeline processors, as NodeSDK takes them) warns once, naming the destination, the URL, the status and the variable to fix', async () => {
    captureWarnings();
    const receiver = await refusingReceiver(404);
    const base = receiver.url.replace('/v1/logs', '/wrong');
    const pipeline = createLogPipeline({ env: { ...fast, OTEL_EXPORTER_OTLP_ENDPOINT: base } });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    const logger = provider.getLogger('checkout');
    for (let i = 0; i < 10; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `record ${i}` });
    await provider.shutdown();
    const refused = warnings.filter((w) => w.includes('refused the records'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain(`otel-logkit: otlp: ${base}/v1/logs refused the records (HTTP 404: page not found)`);
    expect(refused[0]).toContain('fix: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL and /v1/logs is appended (/wrong/v1/logs was requested)');
    expect(receiver.requests).toBeGreaterThan(1);
  });

  it('names OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, used as is, when that is the variable set', async () => {
    captureWarnings();
    const receiver = await refusingReceiver(404);
    const url = receiver.url.replace('/v1/logs', '/');
    const pipeline = createLogPipeline({ env: { ...fast, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url } });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    provider.getLogger('checkout').emit({ severityNumber: SeverityNumber.INFO, body: 'one' });
    await provider.shutdown();
    expect(warnings.filter((w) => w.includes('refused the records'))).toEqual([
      expect.stringContaining('fix: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is used as is and must be the whole URL, ending in /v1/logs'),
    ]);
  });

  it('warns once per cause: a 401 after a 404 is said too, with the credentials variable', async () => {
    captureWarnings();
    const receiver = await refusingReceiver(404);
    receiver.answer = (n) => (n < 2 ? { status: 404, body: 'nope' } : { status: 401, body: 'bad token' });
    const exporter = new OtlpLogRecordExporter({ env: {}, endpoint: receiver.url, delivery: { scheduleDelayMs: 5, maxBatchRecords: 1 } });
    const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 5, maxExportBatchSize: 1 })] });
    const logger = provider.getLogger('sdk');
    for (let i = 0; i < 6; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `record ${i}` });
    await provider.shutdown();
    const refused = warnings.filter((w) => w.includes('refused the records'));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toContain('(HTTP 404: nope)');
    expect(refused[1]).toContain('(HTTP 401: bad token)');
    expect(refused[1]).toContain('fix: set OTEL_EXPORTER_OTLP_LOGS_HEADERS (e.g. Authorization=Bearer <token>) to valid credentials');
  });

  it('(the collector) warns once when the destination it forwards to refuses', async () => {
    captureWarnings();
    const backend = await refusingReceiver(403, 'forbidden');
    const c = await startCollector({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url });
    cleanups.push(() => c.close());
    for (let i = 0; i < 3; i++) {
      await fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJson([{ body: `record ${i}` }]) });
    }
    await until(() => warnings.some((w) => w.includes('refused the records')), 'the refusal warning');
    expect(warnings.filter((w) => w.includes('refused the records'))).toEqual([
      expect.stringContaining(`otel-logkit: otlp: ${backend.url} refused the records (HTTP 403: forbidden)`),
    ]);
  });
});
