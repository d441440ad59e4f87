import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text, type OtlpLogRecord } from '../../exporters/receiver.js';
import { type CollectorUnderTest, startCollector, until } from './harness.js';

const SERVICE = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

let collector: CollectorUnderTest;
const children: ChildProcess[] = [];
let entry = '';

/** Starts one service process and returns its base URL. */
async function service(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
}

beforeAll(async () => {
  collector = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_WINDOW: '1000' });
  const ours = { SERVICE_KIND: 'logkit', OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: collector.url, OTEL_LOGKIT_DEFERRED_FORWARD: 'true', OTEL_BLRP_SCHEDULE_DELAY: '10', OTEL_LOGKIT_LEVEL: 'info' };
  const c = await service({ SERVICE_KIND: 'stock', OTEL_SERVICE_NAME: 'inventory', COLLECTOR_URL: collector.url });
  const b = await service({ ...ours, OTEL_SERVICE_NAME: 'billing', NEXT_URL: c });
  entry = await service({ ...ours, OTEL_SERVICE_NAME: 'checkout', NEXT_URL: b, RECOVER: 'true' });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  await collector.close();
});

const idOf = (r: OtlpLogRecord) => text(r.attributes?.find((a) => a.key === 'correlation.global_id')?.value);
const deferred = (r: OtlpLogRecord) => r.attributes?.some((a) => a.key === 'logkit.deferred' && a.value?.boolValue === true) === true;

describe('deferred logging across services, through the collector', () => {
  it('a request failing in the third service yields the held DEBUG records of all three, in order; a succeeding one yields none', async () => {
    const failing = await fetch(`${entry}/order?fail=1`, { headers: { 'x-correlation-id': 'req-failing' } });
    expect(await failing.text()).toBe('fallback'); // the entry service recovered, yet its history is kept
    const fine = await fetch(`${entry}/order`, { headers: { 'x-correlation-id': 'req-fine' } });
    expect(await fine.text()).toBe('ok');

    await until(() => collector.backend.records.filter((r) => idOf(r) === 'req-failing' && deferred(r)).length === 3, 'the three held DEBUG records');
    await until(() => (collector.collector.stats().tail!.discarded as number) >= 3, 'the succeeding request’s history discarded');

    // In time order, as a backend shows them (one may arrive after the release and pass straight through).
    const released = collector.backend.records
      .filter((r) => idOf(r) === 'req-failing' && deferred(r))
      .sort((x, y) => (BigInt(x.timeUnixNano!) < BigInt(y.timeUnixNano!) ? -1 : 1))
      .map((r) => text(r.body));
    expect(released).toEqual(['checkout: handling /order?fail=1', 'billing: handling /order?fail=1', 'inventory: handling /order?fail=1']);
    expect(collector.backend.records.filter((r) => idOf(r) === 'req-fine' && r.severityNumber === 5)).toEqual([]);
    const tail = collector.collector.stats().tail!;
    expect(tail).toMatchObject({ released: 3, discarded: 3 });
  });
});
