import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Execution, onExecutionEnd, withCorrelation } from '../../../../src/index.js';
import { pipelineFixture, type PipelineFixture } from '../../../processors/enrichment/fixture.js';
import { type SeenExecution, SERVER_KINDS, type Service, type ServiceSpec, startService, until } from './services.js';

const ID_CHARSET = /^[A-Za-z0-9\-_.:/+=@~]+$/;

let fixture: PipelineFixture | undefined;
let service: Service | undefined;
const ended: Execution[] = [];
let stopListening: (() => void) | undefined;

afterEach(async () => {
  stopListening?.();
  ended.length = 0;
  await service?.close();
  service = undefined;
  await fixture?.shutdown();
  fixture = undefined;
});

describe.each(SERVER_KINDS)('the %s helper', (kind) => {
  async function start(spec: Partial<ServiceSpec<never>> = {}): Promise<string> {
    fixture = pipelineFixture();
    stopListening = onExecutionEnd((execution) => ended.push(execution));
    service = await startService(kind, { logger: fixture.logger('svc'), ...spec });
    return service.url;
  }

  async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; header: string | null; seen: SeenExecution }> {
    const res = await fetch(url, { headers });
    const text = await res.text();
    return { status: res.status, header: res.headers.get('x-correlation-id'), seen: text ? (JSON.parse(text) as SeenExecution) : {} };
  }

  it('runs the request in an execution with a new global id, returns it in x-correlation-id and records the external id', async () => {
    const url = await start();
    const { header, seen } = await get(`${url}/ok`, { 'x-request-id': 'client-ref-77' });
    expect(header).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.globalId).toBe(header);
    expect(seen.externalId).toBe('client-ref-77');
    const [record] = await fixture!.records();
    expect(record!.attributes).toMatchObject({ 'correlation.global_id': header, 'correlation.external_id': 'client-ref-77', 'log.record.sequence': 1 });
  });

  it('continues the global id given in x-correlation-id', async () => {
    const url = await start();
    const { header, seen } = await get(`${url}/ok`, { 'x-correlation-id': 'order-flow-1' });
    expect(header).toBe('order-flow-1');
    expect(seen.globalId).toBe('order-flow-1');
  });

  it('reads and answers the header named in OTEL_LOGKIT_CORRELATION_HEADER', async () => {
    const url = await start({ options: { env: { OTEL_LOGKIT_CORRELATION_HEADER: 'X-Flow-Id' } } });
    const res = await fetch(`${url}/ok`, { headers: { 'x-flow-id': 'flow-9', 'x-correlation-id': 'ignored' } });
    expect(res.headers.get('x-flow-id')).toBe('flow-9');
    expect(res.headers.get('x-correlation-id')).toBeNull();
  });

  it('falls back to the W3C baggage entry, decoded and sanitised', async () => {
    const url = await start();
    const { header } = await get(`${url}/ok`, { baggage: 'tenant=uk, correlation.global_id=abc%0D%0ASet-Cookie%3A%20evil' });
    expect(header).toBe('abc__Set-Cookie:_evil');
  });

  it('cuts a 10 KB id and replaces characters outside the accepted set, never echoing them', async () => {
    const url = await start();
    const long = await get(`${url}/ok`, { 'x-correlation-id': 'z'.repeat(10 * 1024), 'x-request-id': 'a\tb"c<d>é' });
    expect(long.header).toBe('z'.repeat(128));
    expect(long.seen.externalId).toMatch(ID_CHARSET);
    expect(long.seen.externalId).toMatch(/^a_b_c_d__$/);
    expect(fixture!.pipeline.stats().enrichment).toMatchObject({ headers_cut: expect.any(Number), headers_replaced: expect.any(Number) });
  });

  it('never lets a header-splitting attempt through to the response', async () => {
    const url = await start();
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += String(chunk)));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-correlation-id: abc\r\n Set-Cookie: evil=1\r\nx-request-id: r\rSet-Cookie: evil=2\r\n\r\n');
    });
    expect(raw.toLowerCase()).not.toContain('set-cookie');
    const echoed = /x-correlation-id: (.*)\r\n/i.exec(raw)?.[1];
    if (echoed !== undefined) expect(echoed).toMatch(ID_CHARSET);
  });

  it('ends the execution as succeeded after a 2xx and as failed after a 5xx', async () => {
    const url = await start();
    await get(`${url}/ok`);
    await until(() => ended.length === 1);
    expect(ended[0]!.outcome).toBe('succeeded');
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(503);
    await until(() => ended.length === 2);
    expect(ended[1]!.outcome).toBe('failed');
    expect(ended[1]!.failure).toEqual({ reason: 'server_error', statusCode: 503 });
  });

  it('ignores a level header unless the application names one', async () => {
    const url = await start();
    const { seen } = await get(`${url}/ok`, { 'x-log-level': 'debug' });
    expect(seen.level).toBeUndefined();
  });

  it('honours the level header the application allowed, and ignores values that are not severities', async () => {
    const url = await start({ options: { levelHeader: 'x-log-level' } });
    expect((await get(`${url}/ok`, { 'x-log-level': 'debug' })).seen.level).toBe(5);
    expect((await get(`${url}/ok`, { 'x-log-level': 'loud\tplease' })).seen.level).toBeUndefined();
  });

  it('takes the user, tags and attributes from the application extractor; a throwing extractor is counted, not fatal', async () => {
    const url = await start({
      options: {
        extract: (req: { headers: Record<string, string | string[] | undefined> }) => {
          if (req.headers['x-user'] === 'crash') throw new Error('bad token');
          return { userId: String(req.headers['x-user']), tags: ['#api'], attributes: { 'tenant.id': 'uk20' } };
        },
      } as never,
    });
    const { seen } = await get(`${url}/ok`, { 'x-user': 'u-42' });
    expect(seen.userId).toBe('u-42');
    expect(seen.tags).toEqual(['#api']);
    const [record] = await fixture!.records();
    expect(record!.attributes).toMatchObject({ 'user.id': 'u-42', 'tenant.id': 'uk20', tags: ['#api'] });
    const crashed = await get(`${url}/ok`, { 'x-user': 'crash' });
    expect(crashed.status).toBe(200);
    expect(crashed.seen.userId).toBeUndefined();
    expect(Number(fixture!.pipeline.stats().enrichment!.extractor_failures)).toBeGreaterThan(0);
  });

  it('keeps the execution across body parsing, even when the body arrives after the headers', async () => {
    const url = await start();
    // The body arrives in two chunks, the second after a pause: parsing then runs from socket events.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"n":'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        controller.enqueue(new TextEncoder().encode('1}'));
        controller.close();
      },
    });
    const res = await fetch(`${url}/ok`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'posted' },
      body,
      duplex: 'half',
    } as RequestInit);
    const seen = (await res.json()) as SeenExecution;
    expect(seen.body).toEqual({ n: 1 });
    expect(seen.globalId).toBe('posted');
    const [record] = await fixture!.records();
    expect(record!.attributes['correlation.global_id']).toBe('posted');
  });
});

describe('the express helper', () => {
  it('marks the execution failed when a handler throws and Express answers 500', async () => {
    fixture = pipelineFixture();
    stopListening = onExecutionEnd((execution) => ended.push(execution));
    service = await startService('express', { logger: fixture.logger('svc') });
    const res = await fetch(`${service.url}/throw`);
    expect(res.status).toBe(500);
    await until(() => ended.length === 1);
    expect(ended[0]!.outcome).toBe('failed');
    expect(ended[0]!.failure).toEqual({ reason: 'server_error', statusCode: 500 });
  });
});

describe('the node:http helper', () => {
  it('marks the execution failed when the client goes away before the response is complete', async () => {
    stopListening = onExecutionEnd((execution) => ended.push(execution));
    const server = http.createServer(
      withCorrelation((_req, res) => {
        res.writeHead(200);
        res.write('partial');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: abort.signal });
    expect(res.status).toBe(200);
    abort.abort();
    await until(() => ended.length === 1);
    expect(ended[0]!.outcome).toBe('failed');
    expect(ended[0]!.failure).toEqual({ reason: 'aborted', statusCode: 200 });
    server.closeAllConnections();
    server.close();
  });
});
