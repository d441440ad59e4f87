import { SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogPipeline, runWithExecution, type DeliveryStatsSection, type LogkitStats, type SdkExporterStatsSection } from '../../src/index.js';
import { disabledStats } from '../../src/stats.js';

/** Every key the DeliveryStatsSection type names; the compiler refuses a missing or an extra one. */
const DELIVERY_KEYS: Record<keyof DeliveryStatsSection, true> = {
  received: true, exported: true, failed: true, retried: true, spooled: true, replayed: true, dead_lettered: true, rejected: true,
  spool_damaged: true, spool_errors: true, in_flight_limit: true, dropped: true, failed_reasons: true, dead_lettered_reasons: true, queued: true, queued_bytes: true, spool_records: true,
  spool_bytes: true, export_latency_ms: true, export_latency_p99_ms: true,
};
const SDK_EXPORTER_KEYS: Record<keyof SdkExporterStatsSection, true> = { received: true, exported: true, failed: true, dropped: true, queued: true };

describe('stats(), typed per section', () => {
  it('has at run time exactly the sections and keys its type declares', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-stats-'));
    const pipeline = createLogPipeline({
      env: { OTEL_LOGS_EXPORTER: 'file,console', OTEL_LOGKIT_FILE_DIR: dir, OTEL_LOGKIT_ROUTES: 'severity>=error -> file' },
      exporter: new InMemoryLogRecordExporter(),
    });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    await runWithExecution({ userId: 'u' }, () => provider.getLogger('x').emit({ severityNumber: SeverityNumber.INFO, body: 'counted' }));
    await provider.shutdown();
    const stats: LogkitStats = pipeline.stats();

    // disabledStats() is type-checked against every stage section's type: its keys are the typed keys.
    for (const [section, typed] of Object.entries(disabledStats())) {
      expect(Object.keys(stats[section]!).sort(), section).toEqual(Object.keys(typed).sort());
    }
    expect(Object.keys(disabledStats()).sort()).toEqual(['enrichment', 'exit', 'pipeline', 'redaction', 'sampling']);
    expect(Object.keys(stats.file!).sort()).toEqual(Object.keys(DELIVERY_KEYS).sort());
    expect(Object.keys(stats.exporter!).sort()).toEqual(Object.keys(SDK_EXPORTER_KEYS).sort());
    // A destination's section is typed by its descriptor: console is fed like an SDK exporter, not by the delivery core.
    const consoleSection: SdkExporterStatsSection | undefined = stats.console;
    expect(Object.keys(consoleSection!).sort()).toEqual(Object.keys(SDK_EXPORTER_KEYS).sort());
    expect(Object.keys(stats.deferred!)).toContain('held_records');
    const received: number = stats.pipeline.received;
    const exported: number | undefined = stats.file?.exported;
    expect([received, exported]).toEqual([1, 1]);
  });

  it('is all zero, every stage section present, when the pipeline is switched off', () => {
    const stats = createLogPipeline({ env: { OTEL_SDK_DISABLED: 'true' } }).stats();
    expect(stats.pipeline.received).toBe(0);
    expect(stats.sampling.dropped).toEqual({});
  });
});
