import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/index.js';
import { eventually } from '../backends.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { NumberedStream } from '../fixtures/numbered-stream.js';
import { numberedBackends } from '../fixtures/numbered-backends.js';

// The backend goes away for 20 s while the application keeps logging, then comes back on the same
// data: the spool and the retries must carry every record across (0 lost), exactly once in OpenSearch.

const OUTAGE_MS = 20_000;

const backends = numberedBackends('outage');

describe.each(backends)('$name stopped for 20 s mid-stream, then started again', ({ name, section, backend, env, found }) => {
  it('loses no record: the spool and retries carry them over the outage', async () => {
    const runId = randomBytes(6).toString('hex');
    const spoolDir = await mkdtemp(join(tmpdir(), 'otel-logkit-e2e-outage-'));
    const pipeline = createLogPipeline({ env: { ...fastDelivery, ...env(), OTEL_SERVICE_NAME: 'logkit-e2e-outage', OTEL_LOGKIT_SPOOL_DIR: spoolDir } });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    const stream = new NumberedStream(provider.getLogger('e2e.outage'), runId);
    try {
      stream.start(20, 2); // 100 records/s
      await new Promise((r) => setTimeout(r, 1_000));
      await backend().stop();
      const stoppedAt = stream.emitted;
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const duringOutage = pipeline.stats()[section]!;
      await backend().start();
      const restartedAt = stream.emitted;
      await new Promise((r) => setTimeout(r, 1_000));
      const sent = stream.stop();
      await pipeline.forceFlush();
      const after = pipeline.stats()[section]!;
      expect(after).toMatchObject({ received: sent, exported: sent, failed: 0, dead_lettered: 0 });
      const result = await eventually(() => found(runId, sent), (f) => f.numbers.size === sent, { timeoutMs: 60_000 });
      const lost = Array.from({ length: sent }, (_, n) => n).filter((n) => !result.numbers.has(n));
      expect(lost).toEqual([]);
      if (name === 'opensearch') expect(result.duplicates).toBe(0);
      summary(`outage ${name}`, {
        sent,
        found: result.numbers.size,
        lost: lost.length,
        duplicates: result.duplicates,
        emitted_while_down: restartedAt - stoppedAt,
        down_ms: OUTAGE_MS + backend().lastStartMs,
        spooled: after.spooled as number,
        retried: after.retried as number,
        spool_records_before_restart: duringOutage.spool_records as number,
      });
    } finally {
      stream.stop();
      await provider.shutdown();
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 240_000);
});
