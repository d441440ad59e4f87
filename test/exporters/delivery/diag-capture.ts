import { diag, DiagLogLevel } from '@opentelemetry/api';

/** Collects what otel-logkit reports to `diag` (the OTel diagnostic logger) until `stop()`. */
export function captureDiag(): { errors: unknown[][]; warnings: unknown[][]; stop: () => void } {
  const errors: unknown[][] = [];
  const warnings: unknown[][] = [];
  const ignore = () => {};
  diag.setLogger(
    { error: (...args) => errors.push(args), warn: (...args) => warnings.push(args), info: ignore, debug: ignore, verbose: ignore },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return { errors, warnings, stop: () => diag.disable() };
}
