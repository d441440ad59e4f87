/**
 * Typed errors with stable codes: callers and tests match on `code`, never on message text.
 * Only configuration errors are ever thrown at the application, and only at startup.
 */
export type LogkitErrorCode =
  | 'LOGKIT_CONFIG_INVALID'
  | 'LOGKIT_SHUTDOWN'
  | 'LOGKIT_ALREADY_REGISTERED'
  | 'LOGKIT_EXPORT_FAILED'
  | 'LOGKIT_EXPORT_TIMEOUT'
  | 'LOGKIT_SPOOL_CORRUPT'
  | 'LOGKIT_ARCHIVE_FAILED'
  | 'LOGKIT_ARCHIVE_CORRUPT'
  /** An OTLP request the collector received is not OTLP (the message names the path). */
  | 'LOGKIT_OTLP_MALFORMED';

export class LogkitError extends Error {
  readonly code: LogkitErrorCode;

  constructor(code: LogkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogkitError';
    this.code = code;
  }
}

/**
 * A configuration value that cannot be used. The message names the setting, the value and the
 * accepted form, e.g. `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=bogus: expected one of http/protobuf, http/json`.
 */
export class ConfigError extends LogkitError {
  readonly setting: string;
  readonly value: string;
  readonly expected: string;

  constructor(setting: string, value: unknown, expected: string, options?: { cause?: unknown }) {
    const shown = showValue(setting, value);
    super('LOGKIT_CONFIG_INVALID', `${setting}=${shown}: expected ${expected}`, options);
    this.name = 'ConfigError';
    this.setting = setting;
    this.value = shown;
    this.expected = expected;
  }
}

/** Settings that carry credentials, by the end of their name (`…_HEADERS`, `…_API_KEY`, but not `…_REDACT_KEYS`). */
const SECRET_SETTING = /(HEADERS|KEY|TOKEN|PASSWORD|SECRET|AUTHORIZATION)$/i;

/** Values of settings that carry credentials are never echoed back in full. */
function showValue(setting: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  if (SECRET_SETTING.test(setting) && text.length > 0) return '[hidden]';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
