import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpLogRecord, text } from '../../exporters/receiver.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const countOf = (record: OtlpLogRecord): number => Number(record.attributes?.find((a) => a.key === 'log.dedup.count')?.value?.intValue ?? 1);
const serviceOf = (n: number) => String((running!.backend.received[n]!.request.resourceLogs ?? [])[0]?.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue);

describe('storm dedup in the collector', () => {
  it('folds a storm arriving over several requests, per sending service, and answers 200 for what it folded', async () => {
    running = await startCollector({ OTEL_LOGKIT_DEDUP_WINDOW: '300' });
    const storm = (i: number) => ({ body: 'connection refused to db-1:5432', severity: 17, attributes: { 'correlation.global_id': `req-${i}` } });
    for (let request = 0; request < 3; request++) {
      const answer = await post(running.url, otlpJson(Array.from({ length: 1000 }, (_, i) => storm(request * 1000 + i)), 'checkout'));
      expect(answer.status).toBe(200);
    }
    expect((await post(running.url, otlpJson([storm(0), storm(1)], 'billing'))).status).toBe(200);
    await until(() => running!.backend.records.reduce((sum, r) => sum + countOf(r), 0) === 3002, 'every record, counted');
    const byService = new Map<string, number>();
    running.backend.received.forEach((received, n) => {
      for (const record of received.records) byService.set(serviceOf(n), (byService.get(serviceOf(n)) ?? 0) + countOf(record));
    });
    expect(Object.fromEntries(byService)).toEqual({ checkout: 3000, billing: 2 });
    expect(running.backend.records.length).toBeLessThanOrEqual(8);
    expect(new Set(running.backend.records.map((r) => text(r.body)))).toEqual(new Set(['connection refused to db-1:5432']));
    const stats = running.collector.stats().dedup as Record<string, number>;
    expect(stats.passed! + stats.folded!).toBe(3002);
    expect(stats.passed! + stats.emitted!).toBe(running.backend.records.length);
  });
});
