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

describe('a Kafka destination whose broker cannot be reached', () => {
  it('warns at once, like the HTTP destinations, naming the broker and the variable to fix', async () => {
    const warnings: string[] = [];
    const noop = () => {};
    diag.setLogger({ warn: (message: string) => warnings.push(message), error: noop, info: noop, debug: noop, verbose: noop }, DiagLogLevel.WARN);
    const port = await closedPort();
    const pipeline = createLogPipeline({
      env: {
        OTEL_LOGS_EXPORTER: 'kafka',
        OTEL_LOGKIT_KAFKA_BROKERS: `127.0.0.1:${port}`,
        OTEL_LOGKIT_KAFKA_TIMEOUT: '500',
        OTEL_BLRP_SCHEDULE_DELAY: '10',
        OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '10',
        OTEL_LOGKIT_RETRY_MAX_BACKOFF: '20',
        OTEL_LOGKIT_DELIVERY_THREAD: 'main',
        OTEL_BLRP_EXPORT_TIMEOUT: '1000',
      },
    });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    provider.getLogger('billing').emit({ severityNumber: SeverityNumber.INFO, body: 'to kafka' });
    const started = Date.now();
    for (let i = 0; i < 1000 && !warnings.some((w) => w.includes('cannot reach')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    console.log(`Kafka broker unreachable: warned after ${Date.now() - started} ms`);
    await pipeline.shutdown();
    const unreachable = warnings.filter((w) => w.includes('cannot reach'));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toContain(`otel-logkit: kafka: cannot reach kafka://127.0.0.1:${port}`);
    expect(unreachable[0]).toContain('OTEL_LOGKIT_KAFKA_BROKERS');
  });
});
