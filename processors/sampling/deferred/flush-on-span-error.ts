import { diag, type SpanContext, SpanStatusCode, type SpanStatus } from '@opentelemetry/api';

/** The part of the SDK's `ReadableSpan` we read; keeps the trace SDK out of our dependencies. */
export interface EndedSpan {
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly status: SpanStatus;
}

type TraceListener = (traceId: string) => void;
const listeners = new Set<TraceListener>();

/** Subscribes to "a local root span ended with status ERROR"; returns the unsubscribe function. */
export function onLocalRootSpanError(listener: TraceListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * A trace `SpanProcessor` that releases deferred records when the local root span of a trace (the
 * first span of this process: no parent, or a remote one) ends with status ERROR. Every pipeline in the
 * process then releases the executions holding records of that trace, and the ring buffer's records of
 * it. Executions that already ended successfully before the span ended have discarded their history.
 *
 * @example
 * import { DeferredFlushSpanProcessor } from 'otel-logkit';
 * const sdk = new NodeSDK({ spanProcessors: [new DeferredFlushSpanProcessor(), new BatchSpanProcessor(exporter)] });
 */
export class DeferredFlushSpanProcessor {
  onStart(): void {}

  onEnd(span: EndedSpan): void {
    try {
      if (span.status.code !== SpanStatusCode.ERROR) return;
      if (span.parentSpanContext !== undefined && !span.parentSpanContext.isRemote) return;
      const traceId = span.spanContext().traceId;
      for (const listener of listeners) listener(traceId);
    } catch (error) {
      diag.error('otel-logkit: releasing deferred records for a failed span failed', error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
