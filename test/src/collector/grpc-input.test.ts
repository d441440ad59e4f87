import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { text } from '../../exporters/receiver.js';
import { type CollectorUnderTest, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** otel-logkit's own OTLP/gRPC exporter (grpc-js) sending `bodies` to the collector's gRPC input. */
async function sendOverGrpc(endpoint: string, bodies: string[], env: Record<string, string> = {}) {
  const sender = createLogPipeline({
    env: {
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
      OTEL_LOGKIT_REDACT: 'false',
      OTEL_BLRP_SCHEDULE_DELAY: '10',
      OTEL_LOGKIT_RETRY_MAX_ELAPSED: '2000',
      OTEL_BLRP_EXPORT_TIMEOUT: '3000',
      ...env,
    },
  });
  const provider = new LoggerProvider({ processors: sender.processors, resource: sender.resource });
  for (const body of bodies) provider.getLogger('grpc-app').emit({ severityNumber: SeverityNumber.WARN, body, attributes: { password: 'hunter2' } });
  await provider.shutdown();
  return sender.stats();
}

describe('collector: OTLP/gRPC in (LogsService/Export)', () => {
  it('accepts otel-logkit over gRPC, runs its stages (redaction again) and forwards every record', async () => {
    running = await startCollector();
    expect(running.info.grpcEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stats = await sendOverGrpc(running.info.grpcEndpoint!, ['grpc one', 'grpc two', 'grpc three']);
    expect(stats.otlp).toMatchObject({ exported: 3, failed: 0 });
    await until(() => running!.backend.records.length === 3, 'three records at the backend');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['grpc one', 'grpc two', 'grpc three']);
    expect(text(running.backend.records[0]!.attributes!.find((a) => a.key === 'password')?.value)).not.toBe('hunter2');
    expect(running.collector.stats().collector).toMatchObject({ records_accepted: 3 });
  });

  it('refuses a call without the bearer token (UNAUTHENTICATED, not retried) and accepts it with the token', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_TOKEN: 's3cret-token' });
    const refused = await sendOverGrpc(running.info.grpcEndpoint!, ['no token']);
    expect(refused.otlp).toMatchObject({ exported: 0, retried: 0 });
    expect((refused.otlp!.failed as number) + (refused.otlp!.dead_lettered as number)).toBe(1);
    expect(running.collector.stats().collector).toMatchObject({ refused: { unauthorized: 1 } });
    const accepted = await sendOverGrpc(running.info.grpcEndpoint!, ['with token'], { OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'authorization=Bearer s3cret-token' });
    expect(accepted.otlp).toMatchObject({ exported: 1 });
    await until(() => running!.backend.records.length === 1, 'the record sent with the token');
  });
});
