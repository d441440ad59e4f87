import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { request, type ClientRequest } from 'node:http';
import { context, SpanKind, trace, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDestination, createHttpDestination } from '../../../exporters/delivery/destination.js';
import type { WireRequest, WireResponse } from '../../../exporters/delivery/protocol.js';
import type { Transport } from '../../../exporters/delivery/transport.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { deliverySettings, record, stageContext } from '../records.js';
import { LoopbackReceiver } from '../receiver.js';

/**
 * What @opentelemetry/instrumentation-http does on an outgoing request (it is not installed here):
 * Node publishes `http.client.request.start` synchronously in the caller's context, and a client span
 * is started there — which the SDK's tracer refuses to record when tracing is suppressed.
 */
function instrumentHttp(tracer: Tracer): () => void {
  const onStart = (message: unknown) => {
    const { request: outgoing } = message as { request: ClientRequest };
    tracer.startSpan(`${outgoing.method} ${outgoing.path}`, { kind: SpanKind.CLIENT }, context.active()).end();
  };
  subscribe('http.client.request.start', onStart);
  return () => unsubscribe('http.client.request.start', onStart);
}

const spans = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }).getTracer('application');
let uninstrument: () => void;
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  uninstrument = instrumentHttp(tracer);
});
afterAll(() => {
  uninstrument();
  context.disable();
});

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  spans.reset();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function post(url: string): Promise<void> {
  return new Promise((resolve, reject) => request(url, { method: 'POST' }, (res) => res.resume().on('end', resolve)).on('error', reject).end());
}

describe('exports run untraced', () => {
  it("an application's HTTP instrumentation records no span for our export requests, even for records written inside a traced request", async () => {
    const r = await LoopbackReceiver.start();
    receivers.push(r);
    const stage = createHttpDestination(
      { name: 'otlp', protocol: new OtlpProtocol('http/protobuf', 'none'), endpoint: new URL(r.url), http: { headers: {}, timeoutMs: 2000, tls: {} }, delivery: deliverySettings() },
      stageContext(),
    );
    await tracer.startActiveSpan('GET /checkout', async (span) => {
      for (let i = 0; i < 5; i++) stage.write(record(`record ${i}`));
      // The application's own call, in the same context, is traced: the instrumentation works.
      await post(new URL('/charge', r.url).href);
      await stage.forceFlush();
      span.end();
    });
    await stage.shutdown();
    expect(r.records).toHaveLength(5);
    expect(spans.getFinishedSpans().map((s) => s.name).sort()).toEqual(['GET /checkout', 'POST /charge']);
  });

  it('a custom transport sends with tracing suppressed, in a context holding no span of the application', async () => {
    const seen: { suppressed: boolean; span: unknown }[] = [];
    const transport: Transport = {
      async send(_request: WireRequest): Promise<WireResponse> {
        const active: Context = context.active();
        seen.push({ suppressed: isTracingSuppressed(active), span: trace.getSpan(active) });
        return { status: 200, headers: {}, body: Buffer.alloc(0) };
      },
      async close() {},
    };
    const stage = createDestination({ name: 'custom', protocol: new OtlpProtocol('http/protobuf', 'gzip'), transport, delivery: deliverySettings() }, stageContext());
    await tracer.startActiveSpan('GET /checkout', async (span) => {
      stage.write(record('inside a request'));
      await stage.forceFlush();
      span.end();
    });
    await stage.shutdown();
    expect(seen).toEqual([{ suppressed: true, span: undefined }]);
  });
});
