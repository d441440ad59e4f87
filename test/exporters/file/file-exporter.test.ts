import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';

function run(dir: string, extra: Record<string, string> = {}) {
  const pipeline = createLogPipeline({
    env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: dir, OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_SERVICE_NAME: 'file-spec', ...extra },
  });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  return { pipeline, provider, logger: provider.getLogger('file.spec', '1.2.3') };
}

describe('the file exporter (OTEL_LOGS_EXPORTER=file)', () => {
  it('writes one OTLP-JSON ExportLogsServiceRequest per line, grouped by resource and scope', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-file-'));
    const { pipeline, provider, logger } = run(dir, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '4' });
    for (let i = 0; i < 10; i++) logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `line ${i}`, attributes: { n: i, big: 2n ** 60n as unknown as number } });
    await provider.shutdown();
    const lines = readFileSync(join(dir, 'logs.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(3);
    const first = lines[0].resourceLogs[0];
    expect(first.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'file-spec' } });
    expect(first.scopeLogs[0].scope).toMatchObject({ name: 'file.spec', version: '1.2.3' });
    const records = lines.flatMap((l) => l.resourceLogs[0].scopeLogs[0].logRecords);
    expect(records.map((r: { body: unknown }) => r.body)).toEqual(Array.from({ length: 10 }, (_, i) => ({ stringValue: `line ${i}` })));
    expect(records[3]).toMatchObject({ severityNumber: 13, severityText: 'WARN', attributes: expect.arrayContaining([{ key: 'n', value: { intValue: '3' } }]) });
    expect(typeof records[0].timeUnixNano).toBe('string');
    expect(pipeline.stats().file).toMatchObject({ received: 10, exported: 10, failed: 0 });
    expect(statSync(join(dir, 'logs.jsonl')).mode & 0o777).toBe(0o600);
  });

  it('starts a new file when the current one reaches its size limit, keeping every line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-file-'));
    const { provider, logger } = run(dir, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_LOGKIT_FILE_MAX_BYTES: '1024' });
    for (let i = 0; i < 20; i++) logger.emit({ body: `rotating line ${i} ${'x'.repeat(100)}` });
    await provider.shutdown();
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(1);
    const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n'));
    expect(lines).toHaveLength(20);
  });
});
