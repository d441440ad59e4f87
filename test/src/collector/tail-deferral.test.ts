import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { text, type OtlpLogRecord } from '../../exporters/receiver.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const held = (id: string) => ({ 'correlation.global_id': id, 'logkit.deferred.held': true });
const attribute = (record: OtlpLogRecord, key: string) => record.attributes?.find((a) => a.key === key)?.value;

describe('collector tail deferral', () => {
  it('releases every held record of an id, from every sender, in time order, when an error of that id arrives', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_WINDOW: '60000' });
    const t = Date.now();
    // A forwarding otel-logkit service (marked held) and a stock sender (plain DEBUG, keyed by trace id).
    await post(running.url, otlpJson([{ body: 'A: second', severity: 5, attributes: held('req-1'), timeMs: t + 2 }], 'service-a'));
    await post(running.url, otlpJson([{ body: 'B: first', severity: 5, attributes: { 'correlation.global_id': 'req-1' }, timeMs: t + 1 }], 'service-b'));
    await post(running.url, otlpJson([{ body: 'other request', severity: 5, attributes: held('req-2'), timeMs: t + 3 }], 'service-a'));
    expect(running.collector.stats().tail).toMatchObject({ held: 3, held_ids: 2, released: 0 });
    await post(running.url, otlpJson([{ body: 'C: boom', severity: 17, attributes: { 'correlation.global_id': 'req-1' }, timeMs: t + 4 }], 'service-c'));
    await until(() => running!.backend.records.length === 3, 'the released history and the error');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['B: first', 'A: second', 'C: boom']);
    const [first] = running.backend.records;
    expect(attribute(first!, 'logkit.deferred')).toEqual({ boolValue: true });
    expect(attribute(first!, 'logkit.deferred.held')).toBeUndefined();
    expect(running.collector.stats().tail).toMatchObject({ held: 3, released: 2, held_ids: 1 });
  });

  it('releases an id when a service says an execution of it failed, and lets its later records through', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info' });
    await post(running.url, otlpJson([{ body: 'detail', severity: 5, attributes: held('req-3') }]));
    await post(running.url, otlpJson([{ body: 'execution failed', severity: 9, attributes: { 'correlation.global_id': 'req-3', 'logkit.execution.outcome': 'failed' } }]));
    await post(running.url, otlpJson([{ body: 'late detail', severity: 5, attributes: held('req-3') }]));
    await until(() => running!.backend.records.length === 3, 'three records');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['detail', 'execution failed', 'late detail']);
    expect(running.collector.stats().tail).toMatchObject({ held: 1, released: 2 });
  });

  it('discards the held records of an id that stays quiet for the window, and counts them', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_WINDOW: '50' });
    await post(running.url, otlpJson([{ body: 'success detail', severity: 5, attributes: held('req-ok') }, { body: 'done', severity: 9, attributes: { 'correlation.global_id': 'req-ok' } }]));
    await until(() => running!.collector.stats().tail!.discarded === 1, 'the discard');
    await post(running.url, otlpJson([{ body: 'too late to matter', severity: 17, attributes: { 'correlation.global_id': 'req-ok' } }]));
    await until(() => running!.backend.records.length === 2, 'two records');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['done', 'too late to matter']);
  });

  it('caps what one id and all ids may hold, dropping the oldest first and counting each drop', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_MAX_RECORDS_PER_ID: '2', OTEL_LOGKIT_TAIL_MAX_RECORDS: '3' });
    await post(running.url, otlpJson(['a1', 'a2', 'a3'].map((body) => ({ body, severity: 5, attributes: held('a') }))));
    await post(running.url, otlpJson(['b1', 'b2'].map((body) => ({ body, severity: 5, attributes: held('b') }))));
    expect(running.collector.stats().tail).toMatchObject({ held: 5, held_records: 3, dropped: { id_cap: 1, total_cap: 1 } });
    await post(running.url, otlpJson([{ body: 'a fails', severity: 17, attributes: { 'correlation.global_id': 'a' } }]));
    await until(() => running!.backend.records.length === 2, 'a’s survivor and its error');
    expect(running.backend.records.map((r) => text(r.body))).toEqual(['a3', 'a fails']);
  });
});

describe('collector tail deferral over OTLP/protobuf (records read in place, not decoded)', () => {
  const scope = { name: 'tail-proto' };
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  function protobuf(service: string, records: { body: string; severity: number; attributes: Record<string, string | boolean>; timeMs?: number }[]): Uint8Array {
    const resource = resources.get(service) ?? resources.set(service, resourceFromAttributes({ 'service.name': service })).get(service)!;
    return encodeOtlpProtobuf(
      records.map((r) => {
        const ms = r.timeMs ?? Date.now();
        return { hrTime: [Math.floor(ms / 1000), (ms % 1000) * 1e6], hrTimeObserved: [0, 0], severityNumber: r.severity, body: r.body, resource, instrumentationScope: scope, attributes: r.attributes, droppedAttributesCount: 0 };
      }),
    );
  }
  const send = (service: string, records: Parameters<typeof protobuf>[1]) => post(running!.url, protobuf(service, records), { 'content-type': 'application/x-protobuf' });

  it('holds by global id and held marker, releases on an error or a failed outcome, passes the rest', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_LEVEL: 'info', OTEL_LOGKIT_TAIL_WINDOW: '60000' });
    const t = Date.now();
    await send('service-a', [{ body: 'A: second', severity: 5, attributes: held('p-1'), timeMs: t + 2 }]);
    await send('service-b', [
      { body: 'B: first', severity: 5, attributes: { 'correlation.global_id': 'p-1' }, timeMs: t + 1 },
      { body: 'plain info', severity: 9, attributes: { 'order.id': 'o-1' }, timeMs: t + 1 },
    ]);
    await send('service-a', [{ body: 'detail of p-2', severity: 5, attributes: held('p-2'), timeMs: t + 3 }]);
    await until(() => running!.backend.records.length === 1, 'the plain record, not held');
    expect(running.collector.stats().tail).toMatchObject({ held: 3, held_ids: 2, released: 0 });
    await send('service-c', [{ body: 'C: boom', severity: 17, attributes: { 'correlation.global_id': 'p-1' }, timeMs: t + 4 }]);
    await send('service-a', [{ body: 'p-2 failed', severity: 9, attributes: { 'correlation.global_id': 'p-2', 'logkit.execution.outcome': 'failed' }, timeMs: t + 5 }]);
    await until(() => running!.backend.records.length === 6, 'both released histories');
    const bodies = running.backend.records.map((r) => text(r.body)!);
    expect([...bodies].sort()).toEqual(['A: second', 'B: first', 'C: boom', 'detail of p-2', 'p-2 failed', 'plain info']);
    // One id's history in time order, across senders.
    expect(bodies.indexOf('B: first')).toBeLessThan(bodies.indexOf('A: second'));
    const released = running.backend.records.find((r) => text(r.body) === 'A: second')!;
    expect(attribute(released, 'logkit.deferred')).toEqual({ boolValue: true });
    expect(attribute(released, 'logkit.deferred.held')).toBeUndefined();
    expect(running.collector.stats().tail).toMatchObject({ held: 3, released: 3, held_ids: 0 });
  });
});
