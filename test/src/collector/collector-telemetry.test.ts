import { gzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import type { LogkitRecord } from '../../../src/core/record.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

// A dashboard built on the OpenTelemetry Collector's internal telemetry reads ours unchanged: the same
// metric names and labels, accepted and refused records per transport, what each destination sent.

let running: CollectorUnderTest | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const resource = resourceFromAttributes({ 'service.name': 'dashboard-sender' });
const scope = { name: 'metrics' };

function records(bodies: string[]): LogkitRecord[] {
  return bodies.map((body, i) => ({ hrTime: [Math.floor(Date.now() / 1000), i], hrTimeObserved: [0, 0], severityNumber: 9, body, resource, instrumentationScope: scope, attributes: {}, droppedAttributesCount: 0 }));
}

async function scrape(): Promise<string> {
  return (await fetch(running!.info.metrics!)).text();
}

/** The value of one sample, matched by its metric name and exact labels. */
function sample(metrics: string, name: string, labels: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('collector metrics in the OpenTelemetry Collector vocabulary', () => {
  it('counts accepted and refused records per transport, wire and decoded bytes, and what the exporter sent', async () => {
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_MAX_VALUE_BYTES: '1KiB' });
    const raw = encodeOtlpProtobuf(records(['one', 'two', 'x'.repeat(2000), 'three']));
    const gzipped = gzipSync(raw);
    expect((await post(running.url, gzipped, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status).toBe(200);
    const json = otlpJson([{ body: 'four' }]);
    expect((await post(running.url, json)).status).toBe(200);
    await until(() => running!.backend.records.length === 4, 'four records at the backend');
    await until(() => running!.collector.stats().otlp!.exported === 4, 'the export counted');

    const metrics = await scrape();
    const http = 'receiver="otlp",transport="http"';
    expect(sample(metrics, 'otelcol_receiver_accepted_log_records', http)).toBe(4);
    expect(sample(metrics, 'otelcol_receiver_refused_log_records', http)).toBe(1);
    expect(sample(metrics, 'otel_logkit_receiver_wire_bytes', http)).toBe(gzipped.length + Buffer.byteLength(json));
    expect(sample(metrics, 'otel_logkit_receiver_decoded_bytes', http)).toBe(raw.length + Buffer.byteLength(json));
    expect(sample(metrics, 'otelcol_exporter_sent_log_records', 'exporter="otlp"')).toBe(4);
    expect(sample(metrics, 'otelcol_exporter_send_failed_log_records', 'exporter="otlp"')).toBe(0);
    expect(sample(metrics, 'otelcol_exporter_enqueue_failed_log_records', 'exporter="otlp"')).toBe(0);
    expect(sample(metrics, 'otelcol_exporter_queue_capacity', 'data_type="logs",exporter="otlp"')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^# TYPE otelcol_receiver_accepted_log_records counter$/m);
    expect(running.collector.stats().collector).toMatchObject({
      records_accepted: 4,
      records_refused: 1,
      wire_bytes_received: gzipped.length + Buffer.byteLength(json),
      decoded_bytes_received: raw.length + Buffer.byteLength(json),
    });
    // One TYPE line per metric name: a Prometheus scraper refuses a page that repeats one.
    const types = metrics.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('counts every record of a request refused for want of room as refused', async () => {
    running = await startCollector({ OTEL_BLRP_MAX_QUEUE_SIZE: '3', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '3' });
    expect((await post(running.url, otlpJson([{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'd' }]))).status).toBe(429);
    expect(sample(await scrape(), 'otelcol_receiver_refused_log_records', 'receiver="otlp",transport="http"')).toBe(4);
  });
});
