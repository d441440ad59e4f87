import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/** The root context with tracing suppressed: no span of the application's can be a parent of our work. */
const UNTRACED = suppressTracing(ROOT_CONTEXT);

/**
 * Runs our own export work (and every callback and promise it starts) outside the application's
 * trace, with tracing suppressed, as the SDK's exporters do: an HTTP (or fs) instrumentation in the
 * application then neither traces nor logs our export requests, and a batch sealed inside a request
 * handler does not become a child of that request's span.
 *
 * @example
 * const response = await untraced(() => transport.send(request));
 */
export function untraced<T>(work: () => T): T {
  return context.with(UNTRACED, work);
}
