import { randomBytes } from 'node:crypto';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { eventually, startCollector, type CollectorBackend } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { latencyFigures, NumberedStream } from '../fixtures/numbered-stream.js';

// A backend that accepts connections but answers nothing (the Collector under SIGSTOP): the
// application's emit() must go on returning at once. The latencies are measured and printed, healthy
// against paused; what is asserted is the behaviour — every emit returned while the backend was still
// paused and had acknowledged nothing — not a timing threshold.

// 30 bursts 100 ms apart: the paused phase (3 s) outlasts the 2 s request timeout, so requests time out and are retried.
const BURSTS = 30;
const PER_BURST = 100;
const GAP_MS = 100;

let collector: CollectorBackend;

beforeAll(async () => {
  collector = await startCollector();
});
afterAll(async () => {
  collector?.resume();
  await collector?.dispose();
});

async function bursts(stream: NumberedStream): Promise<void> {
  for (let i = 0; i < BURSTS; i++) {
    stream.emitBurst(PER_BURST);
    await new Promise((r) => setTimeout(r, GAP_MS)); // let the exporter work between bursts, as an app's event loop would
  }
}

/** The record numbers of one run in the Collector's output, and how many records were stored more than once. */
async function deliveredNumbers(runId: string): Promise<{ size: number; duplicates: number }> {
  const numbers = new Set<string>();
  let stored = 0;
  const text = JSON.stringify(await collector.readExported());
  // Each record carries e2e.run then e2e.n; read the numbers of this run's records from the raw output.
  const pattern = new RegExp(`"e2e\\.run","value":\\{"stringValue":"${runId}"\\}\\},\\{"key":"e2e\\.n","value":\\{"intValue":"(\\d+)"`, 'g');
  for (const match of text.matchAll(pattern)) {
    numbers.add(match[1]!);
    stored++;
  }
  return { size: numbers.size, duplicates: stored - numbers.size };
}

describe('OTLP → Collector that stops answering (SIGSTOP)', () => {
  it('emit() returns at once while the backend is paused; the records go out once it answers again', async () => {
    const runId = randomBytes(6).toString('hex');
    const pipeline = createLogPipeline({
      env: {
        ...fastDelivery,
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_SERVICE_NAME: 'logkit-e2e-slow',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.otlpHttpUrl}/v1/logs`,
        OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2000',
      },
    });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    const logger = provider.getLogger('e2e.slow');
    try {
      // Warm-up (JIT, connection), not measured.
      const warm = new NumberedStream(logger, `${runId}-warm`);
      await bursts(warm);
      await pipeline.forceFlush();

      const healthy = new NumberedStream(logger, runId);
      await bursts(healthy);
      await pipeline.forceFlush();
      const exportedBeforePause = pipeline.stats().otlp!.exported as number;

      collector.pause();
      const paused = new NumberedStream(logger, `${runId}-paused`);
      await bursts(paused);
      const whilePaused = pipeline.stats().otlp!;
      collector.resume();

      // Every emit returned, and the backend had acknowledged none of those records: nothing waited on it.
      expect(paused.latenciesNs).toHaveLength(BURSTS * PER_BURST);
      expect(whilePaused.exported).toBe(exportedBeforePause);
      expect(whilePaused.received as number).toBe(exportedBeforePause + BURSTS * PER_BURST);

      await pipeline.forceFlush();
      const after = pipeline.stats().otlp!;
      expect(after).toMatchObject({ exported: after.received, failed: 0 });
      const delivered = await eventually(() => deliveredNumbers(`${runId}-paused`), (found) => found.size === BURSTS * PER_BURST);
      expect(delivered.size).toBe(BURSTS * PER_BURST);

      const h = latencyFigures(healthy.latenciesNs);
      const p = latencyFigures(paused.latenciesNs);
      summary('slow collector emit() latency', {
        emits: p.n,
        healthy_p50_us: h.p50_us,
        healthy_p99_us: h.p99_us,
        healthy_max_us: h.max_us,
        paused_p50_us: p.p50_us,
        paused_p99_us: p.p99_us,
        paused_max_us: p.max_us,
        timed_out_and_retried: after.retried as number,
        // A request that timed out while the Collector was stopped is still read by it after SIGCONT, and sent again by us.
        collector_duplicates: delivered.duplicates,
      });
    } finally {
      collector.resume();
      await provider.shutdown();
    }
  }, 120_000);
});
