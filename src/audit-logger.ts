import { type Logger, type LogRecord, logs } from '@opentelemetry/api';
import { AUDIT_LOG_TYPE, LOG_TYPE_ATTRIBUTE } from './core/audit-record.js';

/**
 * A logger whose records join the audit trail: each carries `log.type = "audit"`, so it is never
 * sampled, deferred, rate-limited or refused by `enabled()`, still passes redaction, and — with
 * `OTEL_LOGKIT_AUDIT` on — is chained and covered by signed digests. Its scope is marked too
 * (scope attribute `log.type`), which is what lets the SDK's `enabled()` tell it from other loggers.
 *
 * @example
 * import { auditLogger } from 'otel-logkit';
 * auditLogger('billing.audit').emit({ body: 'refund approved', attributes: { 'user.id': 'u-7', amount: 120 } });
 */
export function auditLogger(name: string, version?: string): Logger {
  const logger = logs.getLogger(name, version, { attributes: { [LOG_TYPE_ATTRIBUTE]: AUDIT_LOG_TYPE } });
  return {
    emit(record: LogRecord): void {
      logger.emit({ ...record, attributes: { ...record.attributes, [LOG_TYPE_ATTRIBUTE]: AUDIT_LOG_TYPE } });
    },
    enabled: (options) => logger.enabled(options),
  };
}
