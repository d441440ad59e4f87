import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsFor } from '../../../exporters/delivery/config.js';
import { createLogPipeline, resolveConfig } from '../../../src/index.js';

const settings = (env: Record<string, string>, delivery = {}) => resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'none', ...env }, delivery }).delivery.settings;

describe('delivery settings', () => {
  it('honour the OTel batch processor variables, and our own for bytes, in-flight requests, spool and retries', () => {
    const s = settings({
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100',
      OTEL_BLRP_MAX_QUEUE_SIZE: '1000',
      OTEL_BLRP_SCHEDULE_DELAY: '250',
      OTEL_BLRP_EXPORT_TIMEOUT: '5000',
      OTEL_LOGKIT_BATCH_MAX_BYTES: '1MiB',
      OTEL_LOGKIT_QUEUE_MAX_BYTES: '8MiB',
      OTEL_LOGKIT_MAX_IN_FLIGHT: '2',
      OTEL_LOGKIT_SPOOL_DIR: '/var/spool/app',
      OTEL_LOGKIT_SPOOL_MAX_BYTES: '2GiB',
      OTEL_LOGKIT_SPOOL_FSYNC: 'always',
      OTEL_LOGKIT_DEAD_LETTER_DIR: '/var/dlq',
      OTEL_LOGKIT_RETRY_MAX_ELAPSED: '60000',
    });
    expect(s).toMatchObject({
      batch: { maxRecords: 100, maxQueueRecords: 1000, delayMs: 250, maxBytes: 1024 ** 2, maxQueueBytes: 8 * 1024 ** 2, maxInFlight: 2 },
      spoolDir: '/var/spool/app',
      spool: { maxBytes: 2 * 1024 ** 3, fsync: 'always' },
      deadLetterDir: '/var/dlq',
      retry: { maxElapsedMs: 60000 },
      flushTimeoutMs: 5000,
    });
  });

  it('let options given in code win over the variables', () => {
    expect(settings({ OTEL_BLRP_SCHEDULE_DELAY: '250' }, { scheduleDelayMs: 10, spoolDir: '/tmp/s' })).toMatchObject({ batch: { delayMs: 10 }, spoolDir: '/tmp/s' });
  });

  it('fail at startup naming the variable, the value and the accepted form', () => {
    expect(() => settings({ OTEL_LOGKIT_SPOOL_FSYNC: 'sometimes' })).toThrow('OTEL_LOGKIT_SPOOL_FSYNC=sometimes: expected one of always, batch, never');
    expect(() => settings({ OTEL_BLRP_MAX_QUEUE_SIZE: 'lots' })).toThrow(/^OTEL_BLRP_MAX_QUEUE_SIZE=lots: expected a whole number/);
    expect(() => settings({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '500', OTEL_BLRP_MAX_QUEUE_SIZE: '100' })).toThrow('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=500: expected a batch size no larger than OTEL_BLRP_MAX_QUEUE_SIZE (100)');
    expect(() => settings({ OTEL_LOGKIT_QUEUE_MAX_BYTES: '12 parsecs' })).toThrow(/^OTEL_LOGKIT_QUEUE_MAX_BYTES=12 parsecs: expected a size/);
  });

  it('accept a spool key as 64 hex digits or base64 of 32 bytes, and never echo a bad one', () => {
    expect(settings({ OTEL_LOGKIT_SPOOL_KEY: 'ab'.repeat(32) }).spool.key).toHaveLength(32);
    expect(settings({ OTEL_LOGKIT_SPOOL_KEY: Buffer.alloc(32, 7).toString('base64') }).spool.key).toEqual(Buffer.alloc(32, 7));
    expect(() => settings({ OTEL_LOGKIT_SPOOL_KEY: 'too-short-secret' })).toThrow('OTEL_LOGKIT_SPOOL_KEY=[hidden]: expected a 256-bit key: 64 hex digits or the base64 of 32 bytes');
  });

  it('bound the delivery worker\'s heap explicitly, and refuse a bound it could not even start in', () => {
    expect(settings({}).workerHeap).toEqual({ maxOldBytes: 128 * 1024 ** 2, maxYoungBytes: 8 * 1024 ** 2 });
    expect(settings({ OTEL_LOGKIT_WORKER_MAX_HEAP: '256MiB', OTEL_LOGKIT_WORKER_YOUNG_GENERATION: '32MiB' }).workerHeap).toEqual({ maxOldBytes: 256 * 1024 ** 2, maxYoungBytes: 32 * 1024 ** 2 });
    expect(settings({}, { workerMaxHeapBytes: 64 * 1024 ** 2 }).workerHeap.maxOldBytes).toBe(64 * 1024 ** 2);
    expect(() => settings({ OTEL_LOGKIT_WORKER_MAX_HEAP: '4MiB' })).toThrow('OTEL_LOGKIT_WORKER_MAX_HEAP=4194304: expected at least 32MiB');
  });

  it('keep the hand-over overflow small when emit() blocks for room (the default with a spool), the queue bound when it drops', () => {
    expect(settings({ OTEL_LOGKIT_SPOOL_DIR: '/spool' })).toMatchObject({ whenFull: 'block', handoffOverflowBytes: 4 * 1024 ** 2 });
    expect(settings({ OTEL_LOGKIT_SPOOL_DIR: '/spool', OTEL_LOGKIT_QUEUE_MAX_BYTES: '1MiB' }).handoffOverflowBytes).toBe(1024 ** 2);
    expect(settings({})).toMatchObject({ whenFull: 'drop', handoffOverflowBytes: 32 * 1024 ** 2 });
    expect(settings({ OTEL_LOGKIT_SPOOL_DIR: '/spool', OTEL_LOGKIT_WHEN_FULL: 'drop' }).handoffOverflowBytes).toBe(32 * 1024 ** 2);
  });

  it('give each destination its own spool subdirectory, so a replay never reaches another backend', () => {
    const shared = settings({ OTEL_LOGKIT_SPOOL_DIR: '/spool' });
    expect(settingsFor('otlp', shared).spoolDir).toBe(join('/spool', 'otlp'));
    expect(settingsFor('file', shared).spoolDir).toBe(join('/spool', 'file'));
    expect(settingsFor('otlp', settings({})).spoolDir).toBeUndefined();
  });
});

describe('the spool directory', () => {
  it('is checked at startup: one that cannot be created fails naming OTEL_LOGKIT_SPOOL_DIR', () => {
    expect(() => createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_LOGKIT_SPOOL_DIR: '/proc/version/spool' } })).toThrow(
      'OTEL_LOGKIT_SPOOL_DIR=/proc/version/spool/otlp: expected a directory this process can create, read and write',
    );
  });
});
