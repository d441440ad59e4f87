import { diag, DiagConsoleLogger } from '@opentelemetry/api';

/**
 * Where @opentelemetry/api keeps its process-wide registrations (the diag logger among them), one
 * slot per major version. Read only to learn whether the application registered a diag logger.
 */
const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** What prints when the application registered no diag logger: the API's own console logger. */
const fallback = new DiagConsoleLogger();

/**
 * Tells the user something they must act on (the backend cannot be reached, records were lost at
 * exit) even when no diag logger is set up — which is how most first runs go: the message goes to
 * `diag.warn`, and when the application registered no diag logger, to stderr through the API's
 * `DiagConsoleLogger` (synchronously, so it is seen even when the process ends right after).
 * Registering any diag logger (`diag.setLogger(…, DiagLogLevel.NONE)` to silence) routes it there
 * instead. Callers say it once per situation, never per retry or per record.
 *
 * @example
 * warnUser('otel-logkit: otlp: cannot reach http://localhost:4318: ECONNREFUSED …');
 */
export function warnUser(message: string): void {
  diag.warn(message);
  if (diagLoggerRegistered()) return;
  try {
    fallback.warn(message);
  } catch {
    // A warning must never become a failure of the application.
  }
}

function diagLoggerRegistered(): boolean {
  const registry = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[OTEL_API_GLOBAL];
  return registry?.diag !== undefined;
}
