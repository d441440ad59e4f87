import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../../exporters/delivery/concurrency.js';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { deliverySettings, record, stageContext } from '../records.js';

describe('adaptive request concurrency', () => {
  it('starts at one request and adds one per round trip while full windows come back in the usual time, up to the maximum', () => {
    const arc = new AdaptiveConcurrency(5, true);
    expect(arc.limit).toBe(1);
    for (let i = 0; i < 10; i++) arc.observe(20, false, true, i * 100);
    expect(arc.limit).toBe(5);
  });

  it('does not grow while requests do not fill the window (the limit was not the bound)', () => {
    const arc = new AdaptiveConcurrency(5, true);
    for (let i = 0; i < 10; i++) arc.observe(20, false, false, i * 100);
    expect(arc.limit).toBe(1);
  });

  it('adds at most one per round trip, however many answers come back in it', () => {
    const arc = new AdaptiveConcurrency(10, true);
    arc.observe(20, false, true, 0);
    for (let i = 0; i < 10; i++) arc.observe(20, false, true, 1000 + i);
    expect(arc.limit).toBe(2);
  });

  it('shrinks by a tenth on back-pressure or a round trip far above the average, once per round trip', () => {
    const arc = new AdaptiveConcurrency(40, true);
    for (let i = 0; i < 40; i++) arc.observe(20, false, true, i * 100);
    expect(arc.limit).toBe(40);
    arc.observe(20, true, true, 10_000);
    expect(arc.limit).toBe(36);
    arc.observe(20, true, true, 10_005); // the same round trip: no second cut
    expect(arc.limit).toBe(36);
    arc.observe(400, false, true, 20_000);
    expect(arc.limit).toBe(32);
  });

  it('stays at the maximum when turned off', () => {
    const arc = new AdaptiveConcurrency(8, false);
    arc.observe(20, true, true, 0);
    expect(arc.limit).toBe(8);
  });
});

/** A backend that can serve `capacity` requests at once (each takes 20 ms) and answers 503 beyond that (in 5 ms). */
async function limitedBackend(capacity: number): Promise<{ server: Server; url: string; peak: () => number; refused: () => number }> {
  let active = 0;
  let peak = 0;
  let refused = 0;
  let refusing = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      active++;
      peak = Math.max(peak, active);
      if (active > capacity + refusing) {
        refused++;
        refusing++;
        setTimeout(() => {
          active--;
          refusing--;
          res.writeHead(503).end();
        }, 5);
        return;
      }
      setTimeout(() => {
        active--;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }, 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, peak: () => peak, refused: () => refused };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function sendTo(adaptive: boolean) {
  const backend = await limitedBackend(2);
  servers.push(backend.server);
  const ctx = stageContext();
  const stage = createHttpDestination(
    {
      name: 'otlp',
      protocol: new OtlpProtocol('http/protobuf', 'none'),
      endpoint: new URL(backend.url),
      http: { headers: {}, timeoutMs: 2000, tls: {} },
      delivery: deliverySettings({ OTEL_LOGKIT_MAX_IN_FLIGHT: '8', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_LOGKIT_ADAPTIVE_CONCURRENCY: String(adaptive) }),
    },
    ctx,
  );
  for (let i = 0; i < 600; i++) stage.write(record(`record ${i}`));
  await stage.shutdown();
  return { stats: ctx.stats.snapshot().otlp!, peak: backend.peak(), refused: backend.refused() };
}

describe('a destination in front of a backend that can take two requests at once', () => {
  it('keeps its requests near what the backend can take, and shows the limit in stats(); without adaptation it sends up to the maximum', async () => {
    const adaptive = await sendTo(true);
    expect(adaptive.stats).toMatchObject({ exported: 600, failed: 0 });
    expect(adaptive.peak).toBeLessThanOrEqual(4);
    expect(adaptive.stats.in_flight_limit).toBeGreaterThanOrEqual(1);
    expect(adaptive.stats.in_flight_limit).toBeLessThanOrEqual(4);

    const fixed = await sendTo(false);
    expect(fixed.stats).toMatchObject({ exported: 600, failed: 0, in_flight_limit: 8 });
    expect(fixed.peak).toBeGreaterThan(4);
    expect(adaptive.refused).toBeLessThan(fixed.refused);
  });
});
