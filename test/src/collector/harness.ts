import { type Collector, type CollectorInfo, createCollector } from '../../../src/collector/collector.js';
import type { CollectorOptions } from '../../../src/collector/settings.js';
import { LoopbackReceiver } from '../../exporters/receiver.js';

/** A collector on free loopback ports forwarding OTLP to a loopback receiver (the "backend"). */
export interface CollectorUnderTest {
  collector: Collector;
  info: CollectorInfo;
  backend: LoopbackReceiver;
  /** `http://127.0.0.1:port/v1/logs` */
  url: string;
  close(): Promise<void>;
}

/** Fast test defaults: small batches, short delays; `env` overrides them. */
export async function startCollector(env: Record<string, string> = {}, options: Omit<CollectorOptions, 'env'> = {}): Promise<CollectorUnderTest> {
  const backend = await LoopbackReceiver.start();
  const collector = createCollector({
    ...options,
    env: {
      OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0',
      OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: '127.0.0.1:0',
      OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: '127.0.0.1:0',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: backend.url,
      OTEL_BLRP_SCHEDULE_DELAY: '10',
      OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
      OTEL_LOGKIT_RETRY_MAX_BACKOFF: '20',
      OTEL_SERVICE_NAME: 'collector-under-test',
      ...env,
    },
  });
  const info = await collector.start();
  return {
    collector,
    info,
    backend,
    url: info.endpoint,
    async close() {
      await collector.stop();
      await backend.close();
    },
  };
}

/** Polls `check` until it returns true (no timing assertion: the test's own timeout is the bound). */
export async function until(check: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (i > 2000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A minimal OTLP/JSON request with the given records (body text, severity, attributes as strings). */
export function otlpJson(
  records: { body: string; severity?: number; attributes?: Record<string, string | boolean>; traceId?: string; timeMs?: number }[],
  service = 'json-sender',
): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            scope: { name: 'spec' },
            logRecords: records.map((r, i) => ({
              timeUnixNano: String(r.timeMs === undefined ? now + BigInt(i) : BigInt(r.timeMs) * 1_000_000n),
              severityNumber: r.severity ?? 9,
              body: { stringValue: r.body },
              attributes: Object.entries(r.attributes ?? {}).map(([key, value]) => ({ key, value: typeof value === 'boolean' ? { boolValue: value } : { stringValue: value } })),
              ...(r.traceId ? { traceId: r.traceId, spanId: '0102030405060708' } : {}),
            })),
          },
        ],
      },
    ],
  });
}

/** Posts a body to the collector and returns status, headers and the answer text. */
export async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
