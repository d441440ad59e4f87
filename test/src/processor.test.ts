import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, type LogRecord, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { runWithExecution } from '../../src/index.js';
import { closeAll, DEBUG, ERROR, INFO, startPipeline, WARN } from '../processors/sampling/harness.js';

afterEach(closeAll);

const noDeferral = { OTEL_LOGKIT_DEFERRED: 'false' };

/** A record whose body and attributes count how often the SDK reads them: zero means it was never built. */
function watchedRecord(severityNumber: SeverityNumber): { record: LogRecord; reads: () => number } {
  let reads = 0;
  const record = {
    severityNumber,
    get body() {
      reads++;
      return 'expensive body';
    },
    get attributes() {
      reads++;
      return { 'order.id': 42 };
    },
  };
  return { record, reads: () => reads };
}

const enabled = (logger: Logger, severityNumber: SeverityNumber) => logger.enabled({ severityNumber });

describe('enabled(): the SDK skips a record the pipeline would drop', () => {
  it('never builds a DEBUG record below every threshold when deferral is off, and counts it as below_threshold', async () => {
    const h = startPipeline(noDeferral);
    const debug = watchedRecord(DEBUG);
    h.logger().emit(debug.record);
    const info = watchedRecord(INFO);
    h.logger().emit(info.record);
    expect(debug.reads()).toBe(0);
    expect(info.reads()).toBeGreaterThan(0);
    expect(await h.bodies()).toEqual(['expensive body']);
    expect(h.pipeline.stats().pipeline).toMatchObject({ received: 1 });
    expect(h.pipeline.stats().sampling).toMatchObject({ passed: 1, dropped: { below_threshold: 1 } });
  });

  it('answers logger.enabled() by severity, counting a record without severity as INFO', () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'warn' });
    expect([DEBUG, INFO, WARN, ERROR].map((s) => enabled(h.logger(), s))).toEqual([false, false, true, true]);
    expect(h.logger().enabled()).toBe(false);
    expect(startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'info' }).logger().enabled()).toBe(true);
  });

  it('follows the most specific logger rule', () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'warn', OTEL_LOGKIT_LEVELS: 'billing.*=debug,billing.audit=error' });
    expect(enabled(h.logger('billing'), DEBUG)).toBe(true);
    expect(enabled(h.logger('billing.cards'), DEBUG)).toBe(true);
    expect(enabled(h.logger('billing.audit'), WARN)).toBe(false);
    expect(enabled(h.logger('http'), INFO)).toBe(false);
  });

  it('follows the level of the current execution (one request at DEBUG)', async () => {
    const h = startPipeline(noDeferral);
    const inside = runWithExecution({ level: DEBUG }, () => {
      h.logger().emit({ severityNumber: DEBUG, body: 'traced request' });
      return enabled(h.logger(), DEBUG);
    });
    expect(inside).toBe(true);
    expect(runWithExecution(() => enabled(h.logger(), DEBUG))).toBe(false);
    expect(enabled(h.logger(), DEBUG)).toBe(false);
    expect(await h.bodies()).toEqual(['traced request']);
  });

  it('flips when setLevel changes the rules at runtime, and still delivers the audit record of the change', async () => {
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVEL: 'error' });
    expect(enabled(h.logger('billing'), DEBUG)).toBe(false);
    h.pipeline.setLevel('billing.*', 'debug');
    expect(enabled(h.logger('billing'), DEBUG)).toBe(true);
    expect(enabled(h.logger('http'), DEBUG)).toBe(false);
    h.pipeline.setLevel('billing.*', 'default');
    expect(enabled(h.logger('billing'), DEBUG)).toBe(false);
    const audit = (await h.records()).filter((r) => r.attributes['logkit.audit'] === true);
    expect(audit).toHaveLength(2);
  });

  it('flips when the watched rules file changes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'logkit-enabled-')), 'levels.json');
    writeFileSync(path, JSON.stringify({ levels: { billing: 'info' } }));
    const h = startPipeline({ ...noDeferral, OTEL_LOGKIT_LEVELS_FILE: path });
    expect(enabled(h.logger('billing'), DEBUG)).toBe(false);
    writeFileSync(`${path}.tmp`, JSON.stringify({ levels: { billing: 'debug' } }));
    renameSync(`${path}.tmp`, path);
    await expect.poll(() => enabled(h.logger('billing'), DEBUG), { interval: 25, timeout: 5000 }).toBe(true);
  });

  it('says yes to every severity while deferral may hold the record, in an execution or in the global ring', async () => {
    const h = startPipeline({ OTEL_LOGKIT_LEVEL: 'error' });
    expect(enabled(h.logger(), SeverityNumber.TRACE)).toBe(true);
    expect(runWithExecution(() => enabled(h.logger(), DEBUG))).toBe(true);
    h.logger().emit({ severityNumber: DEBUG, body: 'held in the ring' });
    h.logger().emit({ severityNumber: ERROR, body: 'failure' });
    expect(await h.bodies()).toEqual(['held in the ring', 'failure']);
  });

  it('counts a refused record once when another processor of the provider still wants it', async () => {
    const h = startPipeline(noDeferral);
    const other = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [...h.pipeline.processors, new SimpleLogRecordProcessor({ exporter: other })] });
    provider.getLogger('app').emit({ severityNumber: DEBUG, body: 'for the other processor only' });
    provider.getLogger('app').emit({ severityNumber: INFO, body: 'for both' });
    await provider.forceFlush();
    expect(other.getFinishedLogRecords().map((r) => r.body)).toEqual(['for the other processor only', 'for both']);
    expect(await h.bodies()).toEqual(['for both']);
    expect(h.pipeline.stats().sampling).toMatchObject({ passed: 1, dropped: { below_threshold: 1 } });
    await provider.shutdown();
  });
});
