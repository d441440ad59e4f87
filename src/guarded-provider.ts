import { diag, type Attributes, type Logger, type LoggerOptions, type LoggerProvider, type LogRecord } from '@opentelemetry/api';
import { copyValue, type SnapshotLimits, type SnapshotReport } from './core/record.js';

/**
 * The global logger provider that `registerLogPipeline` installs: the SDK's provider behind a guard.
 *
 * The SDK validates attribute values before any processor runs: values outside the API's AnyValue
 * (cycles, BigInt, Symbols, functions, Errors, Map/Set, Dates, class instances with getters) are
 * dropped with only a diag warning, and some (5,000-deep objects, throwing getters or Proxies) make
 * `emit()` itself throw. The guard turns such attribute values into safe ones first — the same rules as
 * our record copy, BigInt as a decimal string — so they arrive; if the SDK still throws, the record is
 * counted (`stats().sdk.emit_errors`) and reported to diag, never thrown at the application.
 * Plain attribute values (strings, numbers, booleans, arrays of them) pass untouched.
 */
export class GuardedLoggerProvider implements LoggerProvider {
  emitErrors = 0;
  attributesCleaned = 0;
  private readonly report: SnapshotReport = { truncated: 0, replaced: 0 };

  constructor(
    private readonly inner: LoggerProvider,
    private readonly limits: SnapshotLimits,
  ) {}

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    const logger = this.inner.getLogger(name, version, options);
    return {
      emit: (record: LogRecord) => {
        try {
          logger.emit(this.needsCleaning(record.attributes) ? { ...record, attributes: this.clean(record.attributes!) } : record);
        } catch (error) {
          this.emitErrors++;
          try {
            diag.error('otel-logkit: the SDK rejected a record by throwing', error);
          } catch {
            // diag failing too must not reach the caller; the counter keeps the loss visible.
          }
        }
      },
      enabled: (options) => {
        try {
          return logger.enabled(options);
        } catch {
          return true;
        }
      },
    };
  }

  private needsCleaning(attributes: Attributes | undefined): boolean {
    if (attributes === undefined || attributes === null) return false;
    try {
      for (const key in attributes) {
        const value: unknown = attributes[key];
        const type = typeof value;
        if (type === 'string' || type === 'number' || type === 'boolean' || value == null) continue;
        if (Array.isArray(value) && value.every((item) => item == null || typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')) continue;
        return true;
      }
      return false;
    } catch {
      return true;
    }
  }

  private clean(attributes: Attributes): Attributes {
    this.attributesCleaned++;
    return copyValue(attributes, this.limits, this.report, true) as Attributes;
  }
}
