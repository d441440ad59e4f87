import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSource, parseKafkaSourceConfig, type LogkitRecord } from '../../../src/index.js';
import { SettingsReader } from '../../../src/core/env.js';
import { eventually, startKafka, startKafkaCollector, type KafkaBackend, type KafkaCollectorBackend } from '../backends.js';
import { runScript } from '../fixtures/child-process.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { missing, SERVICE, tally } from './fixtures/topic.js';

// Interoperability with the OpenTelemetry Collector's Kafka components (contrib 0.165.0), both ways,
// encoding otlp_proto: the Collector's kafkareceiver reads what our `kafka` destination writes, and
// our Kafka source reads what the Collector's kafkaexporter writes.

let kafka: KafkaBackend;
let collector: KafkaCollectorBackend;
const runId = randomBytes(6).toString('hex');
const topics = { receiveTopic: `to_otelcol_${runId}`, exportTopic: `from_otelcol_${runId}`, groupId: `otelcol-${runId}` };

beforeAll(async () => {
  kafka = await startKafka();
  await kafka.createTopic(topics.receiveTopic, 3);
  await kafka.createTopic(topics.exportTopic, 3);
  collector = await startKafkaCollector(kafka.brokers, topics);
});
afterAll(async () => {
  await collector?.dispose();
  await kafka?.dispose();
});

/** `e2e.n` → count, for one service of this run, from the Collector's OTLP JSON lines. */
function numbersIn(exported: readonly object[], service: string): Map<number, number> {
  const seen = new Map<number, number>();
  const pattern = new RegExp(`"e2e\\.service","value":\\{"stringValue":"${service}"\\}\\},\\{"key":"e2e\\.n","value":\\{"intValue":"(\\d+)"`, 'g');
  for (const line of exported) {
    for (const match of JSON.stringify(line).matchAll(pattern)) seen.set(Number(match[1]), (seen.get(Number(match[1])) ?? 0) + 1);
  }
  return seen;
}

describe('OpenTelemetry Collector Kafka components ↔ otel-logkit', () => {
  it("the Collector's kafkareceiver (otlp_proto) reads every record our kafka destination writes, correlation ids intact", async () => {
    const total = 300;
    const service = runScript(SERVICE, [runId, 'to-otelcol', String(total)], {
      ...fastDelivery,
      OTEL_SERVICE_NAME: 'logkit-e2e-interop',
      OTEL_LOGS_EXPORTER: 'kafka',
      OTEL_LOGKIT_KAFKA_BROKERS: kafka.brokers,
      OTEL_LOGKIT_KAFKA_TOPIC: topics.receiveTopic,
      OTEL_LOGKIT_KAFKA_COMPRESSION: 'gzip',
    });
    expect((await service.exited).code).toBe(0);
    const exported = await eventually(() => collector.readExported(), (lines) => numbersIn(lines, 'to-otelcol').size === total, { timeoutMs: 60_000 });
    const seen = numbersIn(exported, 'to-otelcol');
    expect(missing(seen, total)).toEqual([]);
    const text = JSON.stringify(exported);
    expect(text).toContain('"key":"correlation.global_id"');
    expect(text).toContain('"key":"service.name","value":{"stringValue":"logkit-e2e-interop"}');
    expect(collector.logTail(200)).not.toMatch(/failed to unmarshal|error decoding/i);
    summary('collector kafkareceiver ← kafka destination', { records: total, found: seen.size, duplicates: [...seen.values()].reduce((s, c) => s + c - 1, 0) });
  });

  it("our Kafka source reads every record the Collector's kafkaexporter (otlp_proto) writes", async () => {
    const total = 300;
    const service = runScript(SERVICE, [runId, 'from-otelcol', String(total)], {
      ...fastDelivery,
      OTEL_SERVICE_NAME: 'logkit-e2e-interop',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.otlpHttpUrl}/v1/logs`,
    });
    expect((await service.exited).code).toBe(0);
    const received: LogkitRecord[] = [];
    const config = parseKafkaSourceConfig(
      new SettingsReader({ OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: kafka.brokers, OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC: topics.exportTopic, OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID: `logkit-${runId}` }),
    );
    const source = new KafkaSource(config, async (records) => {
      received.push(...records);
    });
    await source.start();
    try {
      await eventually(async () => tally(received, runId).size, (n) => n === total, { timeoutMs: 60_000 });
    } finally {
      await source.close();
    }
    const seen = tally(received, runId);
    expect(missing(seen, total)).toEqual([]);
    expect(source.stats().undecodable).toBe(0);
    const first = received.find((r) => r.attributes['e2e.run'] === runId)!;
    expect(first.resource.attributes['service.name']).toBe('logkit-e2e-interop');
    expect(typeof first.attributes['correlation.global_id']).toBe('string');
    summary('kafka source ← collector kafkaexporter', { records: total, found: seen.size, messages: source.stats().messages });
  });
});
