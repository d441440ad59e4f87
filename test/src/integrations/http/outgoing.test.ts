import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { correlatedFetch, correlatedRequest, correlationHeaders } from '../../../../src/integrations/http/index.js';
import { runWithExecution } from '../../../../src/index.js';
import { registerTracing } from '../../../processors/enrichment/tracing.js';

/** A loopback server that answers with the headers it received. */
let echoUrl = '';
let server: http.Server;
beforeAll(async () => {
  server = http.createServer((req, res) => res.end(JSON.stringify(req.headers)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  echoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function received(request: http.ClientRequest): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += String(chunk)));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    request.on('error', reject);
  });
}

describe('correlationHeaders', () => {
  it('is empty outside any execution when no propagator is registered', () => {
    expect(correlationHeaders()).toEqual({});
  });

  it('carries the global id as a header and as a W3C baggage entry inside an execution', () => {
    const headers = runWithExecution({ globalId: 'g/1 x' }, () => correlationHeaders());
    expect(headers).toEqual({ 'x-correlation-id': 'g/1 x', baggage: 'correlation.global_id=g%2F1%20x' });
  });

  it('adds the registered propagators’ headers (traceparent) next to ours', () => {
    const tracing = registerTracing();
    try {
      const headers = tracing.tracer.startActiveSpan('call', (span) => {
        const out = runWithExecution({ globalId: 'g-2' }, () => correlationHeaders());
        span.end();
        return out;
      });
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(headers['x-correlation-id']).toBe('g-2');
    } finally {
      tracing.unregister();
    }
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('correlatedFetch', () => {
  it('keeps a global id header the caller set, and appends our baggage entry to the caller’s baggage', async () => {
    const f = correlatedFetch();
    const headers = (await runWithExecution({ globalId: 'g-3' }, async () =>
      (await f(echoUrl, { headers: { 'X-Correlation-Id': 'callers-own', baggage: 'tenant=uk' } })).json(),
    )) as Record<string, string>;
    expect(headers['x-correlation-id']).toBe('callers-own');
    expect(headers.baggage).toBe('tenant=uk,correlation.global_id=g-3');
  });

  it('does not touch a call made outside any execution', async () => {
    const headers = (await (await correlatedFetch()(echoUrl)).json()) as Record<string, string>;
    expect(headers['x-correlation-id']).toBeUndefined();
    expect(headers.baggage).toBeUndefined();
  });

  it('uses the header name given in its options', async () => {
    const f = correlatedFetch(fetch, { globalIdHeader: 'x-flow' });
    const headers = (await runWithExecution({ globalId: 'g-4' }, async () => (await f(echoUrl)).json())) as Record<string, string>;
    expect(headers['x-flow']).toBe('g-4');
  });
});

describe('correlatedRequest', () => {
  const request = correlatedRequest(http.request);

  it('adds the headers to (url, options) calls without losing the caller’s headers', async () => {
    const headers = await runWithExecution({ globalId: 'g-5' }, () => {
      const req = request(echoUrl, { headers: { 'x-app': 'shop' } });
      req.end();
      return received(req);
    });
    expect(headers).toMatchObject({ 'x-app': 'shop', 'x-correlation-id': 'g-5', baggage: 'correlation.global_id=g-5' });
  });

  it('adds the headers to (options) calls, including raw [name, value, …] header arrays', async () => {
    const { port } = new URL(echoUrl);
    const headers = await runWithExecution({ globalId: 'g-6' }, () => {
      // Raw headers are sent as given, so they must name the host themselves.
      const req = request({ host: '127.0.0.1', port, headers: ['Host', `127.0.0.1:${port}`, 'X-App', 'shop', 'Baggage', 'tenant=uk'] });
      req.end();
      return received(req);
    });
    expect(headers).toMatchObject({ 'x-app': 'shop', 'x-correlation-id': 'g-6', baggage: 'tenant=uk,correlation.global_id=g-6' });
  });

  it('works for http.get (url, callback), which ends the request before returning', async () => {
    const get = correlatedRequest(http.get);
    const headers = await runWithExecution({ globalId: 'g-7' }, () => received(get(new URL(echoUrl))));
    expect(headers['x-correlation-id']).toBe('g-7');
  });
});
