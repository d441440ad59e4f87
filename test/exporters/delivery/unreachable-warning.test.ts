import { createServer } from 'node:net';
import { diag, DiagLogLevel, SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';

/** A loopback port nothing listens on (bound, then closed): connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(() => diag.disable());

describe('a destination whose backend cannot be reached', () => {
  it('warns once per destination, naming the endpoint, however many attempts fail (Loki and Elasticsearch as well as OTLP)', async () => {
    const warnings: string[] = [];
    const noop = () => {};
    diag.setLogger({ warn: (message: string) => warnings.push(message), error: noop, info: noop, debug: noop, verbose: noop }, DiagLogLevel.WARN);
    const [loki, es] = [await closedPort(), await closedPort()];
    const pipeline = createLogPipeline({
      env: {
        OTEL_LOGS_EXPORTER: 'loki,elasticsearch',
        OTEL_LOGKIT_LOKI_ENDPOINT: `http://127.0.0.1:${loki}`,
        OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: `http://127.0.0.1:${es}`,
        OTEL_BLRP_SCHEDULE_DELAY: '10',
        OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '10',
        OTEL_LOGKIT_RETRY_MAX_BACKOFF: '20',
        OTEL_BLRP_EXPORT_TIMEOUT: '1500',
      },
    });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    const logger = provider.getLogger('billing');
    for (let i = 0; i < 20; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `record ${i}` });
    await pipeline.forceFlush();
    await provider.shutdown();
    const unreachable = warnings.filter((w) => w.includes('cannot reach'));
    expect(unreachable.filter((w) => w.includes(`http://127.0.0.1:${loki}`))).toHaveLength(1);
    expect(unreachable.filter((w) => w.includes(`http://127.0.0.1:${es}`))).toHaveLength(1);
    expect(pipeline.stats().loki!.retried as number).toBeGreaterThan(1);
  });
});
