import { join } from 'node:path';
import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { BLOCKING_OVERFLOW_BYTES, DEFAULT_DELIVERY, type DeliverySettings, type DeliveryThreadMode, type FsyncPolicy, type WhenFull } from './settings.js';

/** Options given in code for batching, spool and retries; each overrides the variable named beside it. */
export interface DeliverySettingsOptions {
  deliveryThread?: DeliveryThreadMode; // OTEL_LOGKIT_DELIVERY_THREAD
  workerMaxHeapBytes?: number; // OTEL_LOGKIT_WORKER_MAX_HEAP
  workerYoungGenerationBytes?: number; // OTEL_LOGKIT_WORKER_YOUNG_GENERATION
  whenFull?: WhenFull; // OTEL_LOGKIT_WHEN_FULL
  maxBatchRecords?: number; // OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
  scheduleDelayMs?: number; // OTEL_BLRP_SCHEDULE_DELAY
  maxQueueRecords?: number; // OTEL_BLRP_MAX_QUEUE_SIZE
  flushTimeoutMs?: number; // OTEL_BLRP_EXPORT_TIMEOUT
  maxBatchBytes?: number; // OTEL_LOGKIT_BATCH_MAX_BYTES
  maxQueueBytes?: number; // OTEL_LOGKIT_QUEUE_MAX_BYTES
  maxInFlight?: number; // OTEL_LOGKIT_MAX_IN_FLIGHT
  adaptiveConcurrency?: boolean; // OTEL_LOGKIT_ADAPTIVE_CONCURRENCY
  spoolDir?: string; // OTEL_LOGKIT_SPOOL_DIR
  spoolMaxBytes?: number; // OTEL_LOGKIT_SPOOL_MAX_BYTES
  spoolSegmentBytes?: number; // OTEL_LOGKIT_SPOOL_SEGMENT_BYTES
  spoolFsync?: FsyncPolicy; // OTEL_LOGKIT_SPOOL_FSYNC
  spoolCommitIntervalMs?: number; // OTEL_LOGKIT_SPOOL_COMMIT_INTERVAL
  spoolKey?: string; // OTEL_LOGKIT_SPOOL_KEY
  deadLetterDir?: string; // OTEL_LOGKIT_DEAD_LETTER_DIR
  retryInitialBackoffMs?: number; // OTEL_LOGKIT_RETRY_INITIAL_BACKOFF
  retryMaxBackoffMs?: number; // OTEL_LOGKIT_RETRY_MAX_BACKOFF
  retryMaxElapsedMs?: number; // OTEL_LOGKIT_RETRY_MAX_ELAPSED
}

/** Reads the delivery settings shared by every destination (the OTel BLRP variables plus ours). */
export function parseDeliverySettings(read: SettingsReader, options: DeliverySettingsOptions = {}): DeliverySettings {
  const d = DEFAULT_DELIVERY;
  const maxRecords = read.int('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', d.batch.maxRecords, { min: 1 }, options.maxBatchRecords);
  const maxQueueRecords = read.int('OTEL_BLRP_MAX_QUEUE_SIZE', d.batch.maxQueueRecords, { min: 1 }, options.maxQueueRecords);
  if (maxRecords > maxQueueRecords) {
    throw new ConfigError('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', maxRecords, `a batch size no larger than OTEL_BLRP_MAX_QUEUE_SIZE (${maxQueueRecords})`);
  }
  const spoolDir = read.string('OTEL_LOGKIT_SPOOL_DIR', undefined, options.spoolDir);
  const whenFull = read.oneOf('OTEL_LOGKIT_WHEN_FULL', ['block', 'drop'] as const, spoolDir === undefined ? 'drop' : 'block', options.whenFull);
  const maxQueueBytes = read.bytes('OTEL_LOGKIT_QUEUE_MAX_BYTES', d.batch.maxQueueBytes, options.maxQueueBytes);
  return {
    thread: read.oneOf('OTEL_LOGKIT_DELIVERY_THREAD', ['worker', 'main'] as const, d.thread, options.deliveryThread),
    workerHeap: {
      maxOldBytes: atLeast('OTEL_LOGKIT_WORKER_MAX_HEAP', read.bytes('OTEL_LOGKIT_WORKER_MAX_HEAP', d.workerHeap.maxOldBytes, options.workerMaxHeapBytes), MIN_WORKER_HEAP),
      maxYoungBytes: atLeast('OTEL_LOGKIT_WORKER_YOUNG_GENERATION', read.bytes('OTEL_LOGKIT_WORKER_YOUNG_GENERATION', d.workerHeap.maxYoungBytes, options.workerYoungGenerationBytes), MIN_WORKER_YOUNG),
    },
    whenFull,
    handoffOverflowBytes: whenFull === 'block' ? Math.min(maxQueueBytes, BLOCKING_OVERFLOW_BYTES) : maxQueueBytes,
    batch: {
      maxRecords,
      maxBytes: read.bytes('OTEL_LOGKIT_BATCH_MAX_BYTES', d.batch.maxBytes, options.maxBatchBytes),
      delayMs: read.int('OTEL_BLRP_SCHEDULE_DELAY', d.batch.delayMs, { min: 0 }, options.scheduleDelayMs),
      maxQueueRecords,
      maxQueueBytes,
      maxInFlight: read.int('OTEL_LOGKIT_MAX_IN_FLIGHT', d.batch.maxInFlight, { min: 1, max: 64 }, options.maxInFlight),
      adaptiveConcurrency: read.bool('OTEL_LOGKIT_ADAPTIVE_CONCURRENCY', d.batch.adaptiveConcurrency, options.adaptiveConcurrency),
    },
    spoolDir,
    spool: {
      maxBytes: read.bytes('OTEL_LOGKIT_SPOOL_MAX_BYTES', d.spool.maxBytes, options.spoolMaxBytes),
      segmentBytes: read.bytes('OTEL_LOGKIT_SPOOL_SEGMENT_BYTES', d.spool.segmentBytes, options.spoolSegmentBytes),
      fsync: read.oneOf('OTEL_LOGKIT_SPOOL_FSYNC', ['always', 'batch', 'never'] as const, d.spool.fsync, options.spoolFsync),
      commitMs: read.int('OTEL_LOGKIT_SPOOL_COMMIT_INTERVAL', d.spool.commitMs, { min: 1, max: 1000 }, options.spoolCommitIntervalMs),
      key: parseKey(read, options.spoolKey),
    },
    deadLetterDir: read.string('OTEL_LOGKIT_DEAD_LETTER_DIR', undefined, options.deadLetterDir),
    retry: {
      initialBackoffMs: read.int('OTEL_LOGKIT_RETRY_INITIAL_BACKOFF', d.retry.initialBackoffMs, { min: 1 }, options.retryInitialBackoffMs),
      maxBackoffMs: read.int('OTEL_LOGKIT_RETRY_MAX_BACKOFF', d.retry.maxBackoffMs, { min: 1 }, options.retryMaxBackoffMs),
      maxElapsedMs: read.int('OTEL_LOGKIT_RETRY_MAX_ELAPSED', d.retry.maxElapsedMs, { min: 0 }, options.retryMaxElapsedMs),
    },
    flushTimeoutMs: read.int('OTEL_BLRP_EXPORT_TIMEOUT', d.flushTimeoutMs, { min: 1 }, options.flushTimeoutMs),
  };
}

/** Below these the worker cannot even load its modules: refused at start rather than a worker that dies at once. */
const MIN_WORKER_HEAP = 32 * 1024 * 1024;
const MIN_WORKER_YOUNG = 1024 * 1024;

function atLeast(name: string, bytes: number, min: number): number {
  if (bytes < min) throw new ConfigError(name, bytes, `at least ${min / 1024 / 1024}MiB`);
  return bytes;
}

/** Each destination spools into its own subdirectory, so replay never sends one backend's records to another. */
export function settingsFor(destination: string, settings: DeliverySettings): DeliverySettings {
  return settings.spoolDir ? { ...settings, spoolDir: join(settings.spoolDir, destination) } : settings;
}

/** A 256-bit key as 64 hex digits or base64 of 32 bytes (the spool's, and the archive's `OTEL_LOGKIT_ARCHIVE_KEY`). */
export function parseKey(read: SettingsReader, option: string | undefined, name = 'OTEL_LOGKIT_SPOOL_KEY'): Buffer | undefined {
  const text = read.string(name, undefined, option);
  if (text === undefined) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new ConfigError(option !== undefined ? `option overriding ${name}` : name, text, 'a 256-bit key: 64 hex digits or the base64 of 32 bytes');
  return key;
}
