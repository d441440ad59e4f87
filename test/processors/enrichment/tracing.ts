import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * Registers a real OTel tracer provider, the async-hooks context manager and the W3C propagators
 * globally, as an application with tracing would; returns the tracer and the function that undoes it.
 */
export function registerTracing(): { tracer: Tracer; unregister: () => void } {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new TracerProvider();
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return {
    tracer: trace.getTracer('test'),
    unregister: () => {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
