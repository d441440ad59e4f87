import { SeverityNumber } from '@opentelemetry/api';
import type { SettingsReader } from '../../../src/core/env.js';

/** Options given in code for deferred logging; each overrides the environment variable it names. */
export interface DeferredOptions {
  /** `OTEL_LOGKIT_DEFERRED` (default true): hold records below the threshold instead of dropping them. */
  enabled?: boolean;
  /** `OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL` (default `error`): a record at or above it flushes its execution's history. */
  flushLevel?: SeverityNumber | string;
  /** `OTEL_LOGKIT_DEFERRED_MAX_RECORDS` (default 1000): records held per execution; the oldest go first. */
  maxRecords?: number;
  /** `OTEL_LOGKIT_DEFERRED_MAX_BYTES` (default 1 MiB): estimated bytes held per execution. */
  maxBytes?: number;
  /** `OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES` (default 64 MiB): estimated bytes held by all executions together. */
  maxTotalBytes?: number;
  /** `OTEL_LOGKIT_DEFERRED_GLOBAL_MAX_RECORDS` (default 1000): the ring buffer for records outside any execution. */
  globalMaxRecords?: number;
  /** `OTEL_LOGKIT_DEFERRED_TTL` (ms, default 300000): an execution that never ends loses its held records after this. */
  ttlMs?: number;
  /**
   * `OTEL_LOGKIT_DEFERRED_FORWARD` (default false): send below-threshold records at once, marked
   * `logkit.deferred.held`, for an otel-logkit collector to hold across services (tail deferral).
   */
  forward?: boolean;
}

/** The validated deferral settings. */
export interface DeferredConfig {
  enabled: boolean;
  flushLevel: SeverityNumber;
  maxRecords: number;
  maxBytes: number;
  maxTotalBytes: number;
  globalMaxRecords: number;
  ttlMs: number;
  forward: boolean;
}

export function parseDeferredConfig(read: SettingsReader, options: DeferredOptions = {}): DeferredConfig {
  return {
    enabled: read.bool('OTEL_LOGKIT_DEFERRED', true, options.enabled),
    flushLevel: read.severity('OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL', SeverityNumber.ERROR, options.flushLevel),
    maxRecords: read.int('OTEL_LOGKIT_DEFERRED_MAX_RECORDS', 1000, { min: 1 }, options.maxRecords),
    maxBytes: read.bytes('OTEL_LOGKIT_DEFERRED_MAX_BYTES', 1024 ** 2, options.maxBytes),
    maxTotalBytes: read.bytes('OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES', 64 * 1024 ** 2, options.maxTotalBytes),
    globalMaxRecords: read.int('OTEL_LOGKIT_DEFERRED_GLOBAL_MAX_RECORDS', 1000, { min: 1 }, options.globalMaxRecords),
    ttlMs: read.int('OTEL_LOGKIT_DEFERRED_TTL', 300_000, { min: 1 }, options.ttlMs),
    forward: read.bool('OTEL_LOGKIT_DEFERRED_FORWARD', false, options.forward),
  };
}
