import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../src/index.js';

const MiB = 1024 ** 2;

describe("the delivery worker's heap", () => {
  it('is bounded by OTEL_LOGKIT_WORKER_MAX_HEAP and OTEL_LOGKIT_WORKER_YOUNG_GENERATION, reports itself, and still delivers everything', async () => {
    const out = mkdtempSync(join(tmpdir(), 'logkit-worker-heap-'));
    const pipeline = createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: out, OTEL_LOGKIT_WORKER_MAX_HEAP: '48MiB', OTEL_LOGKIT_WORKER_YOUNG_GENERATION: '2MiB' } });
    const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    const logger = provider.getLogger('heap');
    // Enough records for many scavenges of a 2 MiB young generation.
    for (let i = 0; i < 20_000; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `record ${i} ${'x'.repeat(100)}` });
    await pipeline.forceFlush();
    const worker = pipeline.stats().delivery_worker as Record<string, number>;
    // V8's limit is the old generation plus the young generation's share of the heap.
    expect(worker.heap_limit_bytes).toBeGreaterThanOrEqual(48 * MiB);
    expect(worker.heap_limit_bytes).toBeLessThanOrEqual(56 * MiB);
    expect(worker.heap_bytes).toBeLessThanOrEqual(worker.heap_limit_bytes);
    await pipeline.shutdown();
    expect(pipeline.stats().delivery_thread).toMatchObject({ transferred: 20_000, restarts: 0, lost_in_restart: 0 });
    const written = readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    expect(written.match(/record \d+ x{100}/g)).toHaveLength(20_000);
  });
});
