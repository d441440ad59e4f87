import { SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/pipeline.js';

const open: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.shutdown()));
});

function pipelineWith(env: Record<string, string> = {}) {
  const exporter = new InMemoryLogRecordExporter();
  const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', ...env }, exporter });
  const provider = new LoggerProvider({ processors: pipeline.processors });
  open.push(provider);
  return { exporter, pipeline, logger: provider.getLogger('redaction-test') };
}

describe('redaction stage in the pipeline', () => {
  it('redacts body and attributes before the exporter sees the record, and adds a summary without values', async () => {
    const { exporter, pipeline, logger } = pipelineWith();
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      body: 'charging card 4111 1111 1111 1111 with token=ghp_0123456789abcdefghijABCDEFGHIJ012345',
      attributes: { 'user.email': 'jane@example.com', 'http.route': '/pay' },
    });
    await pipeline.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect(record?.body).toBe('charging card [REDACTED:card] with token=[REDACTED:github_token]');
    expect(record?.attributes).toMatchObject({
      'user.email': '[REDACTED:email]',
      'http.route': '/pay',
      'redaction.count': 3,
      'redaction.kinds': ['card', 'email', 'github_token'],
    });
  });

  it('redacts exception attributes and structured bodies, not the event name', async () => {
    const { exporter, pipeline, logger } = pipelineWith();
    const error = new Error('connect failed for postgres://app:S3cr3t@db:5432/shop');
    logger.emit({
      eventName: 'db.connect password=visible-by-design',
      body: { msg: 'retry', config: { password: 'S3cr3t', host: 'db' } },
      attributes: { 'exception.message': error.message, 'exception.stacktrace': error.stack },
    });
    await pipeline.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    const text = JSON.stringify({ body: record?.body, attributes: record?.attributes });
    expect(text).not.toContain('S3cr3t');
    expect(record?.eventName).toBe('db.connect password=visible-by-design');
    expect(record?.body).toEqual({ msg: 'retry', config: { password: '[REDACTED:password]', host: 'db' } });
  });

  it('leaves clean records untouched, without summary attributes', async () => {
    const { exporter, pipeline, logger } = pipelineWith();
    logger.emit({ body: 'order 100123 checked out', attributes: { 'order.id': 'ord_1' } });
    await pipeline.forceFlush();
    const attributes = exporter.getFinishedLogRecords()[0]?.attributes;
    expect(attributes?.['order.id']).toBe('ord_1');
    expect(Object.keys(attributes ?? {}).filter((k) => k.startsWith('redaction.'))).toEqual([]);
  });

  it('counts records, values and kinds in stats()', async () => {
    const { pipeline, logger } = pipelineWith();
    logger.emit({ body: 'a@example.com and b@example.com' });
    logger.emit({ body: 'nothing here' });
    logger.emit({ body: 'ssn 078-05-1120', attributes: { password: 'x' } });
    await pipeline.forceFlush();
    expect(pipeline.stats().redaction).toEqual({ records: 2, values: 4, kinds: { email: 2, ssn: 1, password: 1 }, dropped: {} });
  });

  it('in allow-list mode keeps the attributes the pipeline writes itself, such as log.record.uid', async () => {
    const { exporter, pipeline, logger } = pipelineWith({ OTEL_LOGKIT_REDACT_ALLOWED_KEYS: 'http.route' });
    logger.emit({ body: 'x', attributes: { 'http.route': '/pay', 'user.name': 'jane' } });
    await pipeline.forceFlush();
    const attributes = exporter.getFinishedLogRecords()[0]?.attributes ?? {};
    expect(attributes['http.route']).toBe('/pay');
    expect(attributes['user.name']).toBe('[REDACTED:not_allowed]');
    expect(attributes['log.record.uid']).toMatch(/^[0-9A-Za-z_-]{8,}$/);
    expect(attributes['redaction.kinds']).toEqual(['not_allowed']);
  });

  it('can leave out the summary attributes', async () => {
    const { exporter, pipeline, logger } = pipelineWith({ OTEL_LOGKIT_REDACT_SUMMARY: 'false' });
    logger.emit({ body: 'mail a@example.com' });
    await pipeline.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect(record?.body).toBe('mail [REDACTED:email]');
    expect(Object.keys(record?.attributes ?? {}).filter((k) => k.startsWith('redaction.'))).toEqual([]);
  });

  it('passes records through untouched when turned off, still reporting its (empty) section', async () => {
    const { exporter, pipeline, logger } = pipelineWith({ OTEL_LOGKIT_REDACT_ENABLED: 'false' });
    logger.emit({ body: 'mail a@example.com' });
    await pipeline.forceFlush();
    expect(exporter.getFinishedLogRecords()[0]?.body).toBe('mail a@example.com');
    expect(pipeline.stats().redaction).toEqual({ records: 0, values: 0, kinds: {}, dropped: {} });
  });
});
