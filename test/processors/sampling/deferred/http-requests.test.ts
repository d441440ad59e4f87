import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withCorrelation } from '../../../../src/index.js';
import { closeAll, DEBUG, emit, INFO, startPipeline, type SamplingHarness } from '../harness.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await closeAll();
});

/** A real node:http service behind the correlation helper; the handler logs, then answers `?status=`. */
async function serve(h: SamplingHarness): Promise<string> {
  const log = h.logger('orders');
  server = createServer(
    withCorrelation(
      (req, res) => {
        const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
        emit(log, DEBUG, `loading order for ${status}`);
        emit(log, INFO, `answering ${status}`);
        emit(log, DEBUG, `query plan for ${status}`);
        res.writeHead(status).end();
      },
      { levelHeader: 'x-log-level' },
    ),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
}

describe('deferred logging in HTTP requests (node:http + withCorrelation)', () => {
  it('discards the DEBUG history of a request answered 200, and exports it, marked, for one answered 503', async () => {
    const h = startPipeline();
    const url = await serve(h);
    await fetch(`${url}?status=200`);
    await fetch(`${url}?status=503`);
    await expect.poll(() => h.pipeline.stats().deferred!.flushed, { interval: 10, timeout: 5000 }).toBe(2);
    const records = await h.records();
    expect(records.map((r) => r.body)).toEqual(['answering 200', 'answering 503', 'loading order for 503', 'query plan for 503']);
    expect(records.filter((r) => r.attributes['logkit.deferred'] === true).map((r) => r.body)).toEqual(['loading order for 503', 'query plan for 503']);
    expect(h.pipeline.stats().deferred).toMatchObject({ buffered: 4, flushed: 2, discarded: 2 });
  });

  it('lets one request run at DEBUG through the header the application allowed', async () => {
    const h = startPipeline();
    const url = await serve(h);
    await fetch(url, { headers: { 'x-log-level': 'debug' } });
    await expect.poll(() => h.bodies(), { interval: 10, timeout: 5000 }).toEqual(['loading order for 200', 'answering 200', 'query plan for 200']);
    expect(h.pipeline.stats().deferred).toMatchObject({ buffered: 0 });
  });
});
