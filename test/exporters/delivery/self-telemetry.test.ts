import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { LoopbackReceiver } from '../receiver.js';

/** A real SDK reader that collects on demand. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let receiver: LoopbackReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

describe('delivery self-telemetry', () => {
  it('publishes every destination counter and gauge through a MeterProvider, drops broken down by reason', async () => {
    receiver = await LoopbackReceiver.start();
    receiver.answer = (n) => (n === 0 ? { status: 503 } : { status: 200 });
    const reader = new OnDemandReader();
    const pipeline = createLogPipeline({
      env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url, OTEL_BLRP_SCHEDULE_DELAY: '5', OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5', OTEL_BLRP_MAX_QUEUE_SIZE: '10', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10' },
      meterProvider: new MeterProvider({ readers: [reader] }),
    });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    const logger = provider.getLogger('telemetry');
    for (let i = 0; i < 15; i++) logger.emit({ severityNumber: SeverityNumber.WARN, body: `m ${i}` });
    await provider.shutdown();

    const { resourceMetrics } = await reader.collect();
    const metrics = new Map<string, MetricData>(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
    const value = (name: string, reason?: string) =>
      metrics.get(name)?.dataPoints.find((p) => reason === undefined || p.attributes.reason === reason)?.value;
    expect(value('otel_logkit.otlp.received')).toBe(15);
    expect(value('otel_logkit.otlp.exported')).toBe(10);
    expect(value('otel_logkit.otlp.retried')).toBe(10);
    expect(value('otel_logkit.otlp.dropped', 'queue_full')).toBe(5);
    expect(value('otel_logkit.otlp.queued')).toBe(0);
    for (const key of ['failed', 'spooled', 'replayed', 'dead_lettered', 'rejected', 'spool_records', 'spool_bytes', 'export_latency_ms', 'export_latency_p99_ms']) {
      expect(metrics.has(`otel_logkit.otlp.${key}`), key).toBe(true);
    }
    expect(pipeline.stats().otlp).toMatchObject({ received: 15, exported: 10, dropped: { queue_full: 5 } });
  });
});
