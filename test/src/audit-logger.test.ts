import { logs, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogger, registerLogPipeline } from '../../src/index.js';

afterEach(() => logs.disable());

describe('auditLogger(name)', () => {
  it('marks every record audit, and neither enabled() nor the level nor a rate limit refuses it', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const pipeline = registerLogPipeline({
      env: { OTEL_LOGS_EXPORTER: 'none', OTEL_LOGKIT_LEVEL: 'error', OTEL_LOGKIT_DEFERRED: 'false', OTEL_LOGKIT_RATE_LIMIT: '1' },
      exporter,
      handleProcessEvents: false,
    });
    const audit = auditLogger('admin.audit');
    const plain = logs.getLogger('admin');
    expect(audit.enabled({ severityNumber: SeverityNumber.DEBUG })).toBe(true);
    expect(plain.enabled({ severityNumber: SeverityNumber.INFO })).toBe(false);
    for (let i = 0; i < 5; i++) audit.emit({ severityNumber: SeverityNumber.INFO, body: `role granted ${i}`, attributes: { 'user.id': 'u-1' } });
    plain.emit({ severityNumber: SeverityNumber.INFO, body: 'not kept' });
    await pipeline.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records.map((r) => r.body)).toEqual(['role granted 0', 'role granted 1', 'role granted 2', 'role granted 3', 'role granted 4']);
    expect(records.every((r) => r.attributes['log.type'] === 'audit' && r.attributes['user.id'] === 'u-1')).toBe(true);
    expect(pipeline.stats().sampling).toMatchObject({ audit_passed: 5 });
    await pipeline.shutdown();
  });
});
