import { beginExecution, endExecution, enterExecution, type ExecutionFields } from './core/execution.js';
import { registered } from './process-end.js';

export interface LogFlushOptions<A extends unknown[] = unknown[]> {
  /** The pipeline to flush (default: the one `registerLogPipeline` installed). */
  pipeline?: { forceFlush(): Promise<void> };
  /** The longest the flush may hold the response (default: the pipeline's `OTEL_LOGKIT_EXIT_TIMEOUT`, else 5 s). */
  timeoutMs?: number;
  /** Fields of the execution each invocation runs in (user, tags …), or a function of the handler's arguments. */
  fields?: ExecutionFields | ((...args: A) => ExecutionFields);
}

/**
 * Wraps a serverless handler (AWS Lambda, Cloud Functions, Azure Functions …) so that everything it
 * logged is delivered — or spooled — before it returns: the platform may freeze or end the process as
 * soon as the handler's promise settles, so nothing may be left in a queue. Each invocation is an
 * execution: a throw or rejection marks it failed, which releases its held DEBUG history first. The
 * flush is bounded, so a backend that is down cannot hold the response for long; what it could not
 * deliver is counted in `stats()` (and stays in the spool when one is configured).
 *
 * @example
 * registerLogPipeline();
 * export const handler = withLogFlush(async (event) => {
 *   logs.getLogger('orders').emit({ severityNumber: SeverityNumber.INFO, body: 'order placed' });
 *   return { statusCode: 201 };
 * });
 */
export function withLogFlush<A extends unknown[], R>(handler: (...args: A) => R | Promise<R>, options: LogFlushOptions<A> = {}): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const fields = typeof options.fields === 'function' ? options.fields(...args) : options.fields;
    const execution = beginExecution(fields);
    try {
      return await enterExecution(execution, () => handler(...args));
    } catch (error) {
      execution.fail(error);
      throw error;
    } finally {
      endExecution(execution);
      await flushWithin(options);
    }
  };
}

async function flushWithin<A extends unknown[]>(options: LogFlushOptions<A>): Promise<void> {
  const pipeline = options.pipeline ?? registered.pipeline;
  if (pipeline === undefined) return;
  const timeoutMs = options.timeoutMs ?? registered.pipeline?.config.exitTimeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    pipeline.forceFlush().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
