import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SeverityNumber, trace } from '@opentelemetry/api';
import { correlatedFetch, correlatedRequest, correlationInterceptor } from '../../../../src/integrations/http/index.js';
import type { LogkitRecord } from '../../../../src/index.js';
import { pipelineFixture, type PipelineFixture } from '../../../processors/enrichment/fixture.js';
import { registerTracing } from '../../../processors/enrichment/tracing.js';
import { type ServerKind, type Service, startService } from './services.js';

type Outgoing = 'fetch' | 'http.get' | 'undici interceptor';

/** The undici dispatcher behind Node's global fetch (Node creates it on the first fetch). */
async function nodeGlobalDispatcher(warmUpUrl: string): Promise<{ compose(interceptor: unknown): object }> {
  await (await fetch(warmUpUrl)).arrayBuffer();
  return (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] as { compose(interceptor: unknown): object };
}

async function makeCaller(outgoing: Outgoing, warmUpUrl: string): Promise<(url: string) => Promise<unknown>> {
  if (outgoing === 'fetch') {
    const f = correlatedFetch();
    return async (url) => (await f(url)).json();
  }
  if (outgoing === 'http.get') {
    const get = correlatedRequest(http.get);
    return (url) =>
      new Promise((resolve, reject) => {
        get(url, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += String(chunk)));
          res.on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject);
      });
  }
  const dispatcher = (await nodeGlobalDispatcher(warmUpUrl)).compose(correlationInterceptor());
  return async (url) => (await fetch(url, { dispatcher } as RequestInit)).json();
}

const PAIRS: [ServerKind, ServerKind, Outgoing][] = [
  ['express', 'fastify', 'fetch'],
  ['fastify', 'node:http', 'http.get'],
  ['node:http', 'express', 'undici interceptor'],
];

function scenario(withTracer: boolean) {
  let tracing: ReturnType<typeof registerTracing> | undefined;
  if (withTracer) {
    beforeAll(() => {
      tracing = registerTracing();
    });
    afterAll(() => tracing!.unregister());
  }

  const open: { a?: Service; b?: Service; fa?: PipelineFixture; fb?: PipelineFixture } = {};
  afterEach(async () => {
    await open.a?.close();
    await open.b?.close();
    await open.fa?.shutdown();
    await open.fb?.shutdown();
  });

  it.each(PAIRS)('A (%s) calls B (%s) with %s: one global id end to end, returned to the caller', async (kindA, kindB, outgoing) => {
    const fa = (open.fa = pipelineFixture({ serviceName: 'service-a' }));
    const fb = (open.fb = pipelineFixture({ serviceName: 'service-b' }));
    const b = (open.b = await startService(kindB, { logger: fb.logger('b') }));
    const send = await makeCaller(outgoing, `${b.url}/ok`);
    // The undici case warms Node's dispatcher up with one call to B; those records are not part of the scenario.
    const warmUpRecords = (await fb.records()).length;
    const loggerA = fa.logger('a');
    const call = withTracer
      ? (url: string) =>
          trace.getTracer('a').startActiveSpan('call b', async (span) => {
            loggerA.emit({ severityNumber: SeverityNumber.INFO, body: 'in span' });
            const answer = await send(url);
            span.end();
            return answer;
          })
      : send;
    const a = (open.a = await startService(kindA, { logger: loggerA, call }));

    const res = await fetch(`${a.url}/call?next=${encodeURIComponent(`${b.url}/ok`)}`, { headers: { 'x-request-id': 'caller-ref-1' } });
    expect(res.status).toBe(200);
    const globalId = res.headers.get('x-correlation-id');
    expect(globalId).toMatch(/^[0-9a-f]{32}$/);

    const recordsA = await fa.records();
    const recordsB = (await fb.records()).slice(warmUpRecords);
    const attr = (records: LogkitRecord[], key: string) => records.map((r) => r.attributes[key]);
    expect(recordsA.map((r) => r.body)).toEqual(withTracer ? ['calling downstream', 'in span', 'downstream answered'] : ['calling downstream', 'downstream answered']);
    expect(recordsB.map((r) => r.body)).toEqual(['handled']);
    expect(new Set([...attr(recordsA, 'correlation.global_id'), ...attr(recordsB, 'correlation.global_id')])).toEqual(new Set([globalId]));
    const localA = new Set(attr(recordsA, 'correlation.local_id'));
    const localB = new Set(attr(recordsB, 'correlation.local_id'));
    expect(localA.size).toBe(1);
    expect(localB.size).toBe(1);
    expect([...localA][0]).not.toBe([...localB][0]);
    expect(attr(recordsA, 'log.record.sequence')).toEqual(recordsA.map((_, i) => i + 1));
    expect(attr(recordsB, 'log.record.sequence')).toEqual([1]);
    expect(attr(recordsA, 'correlation.external_id')).toEqual(recordsA.map(() => 'caller-ref-1'));
    expect(attr(recordsB, 'correlation.external_id')).toEqual([undefined]);
    expect(new Set([...attr(recordsA, 'log.record.uid'), ...attr(recordsB, 'log.record.uid')]).size).toBe(recordsA.length + recordsB.length);
    if (withTracer) expect(recordsA[1]!.spanContext?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
}

describe('two services on loopback, without an OTel tracer', () => scenario(false));
describe('two services on loopback, with an OTel tracer registered', () => scenario(true));
