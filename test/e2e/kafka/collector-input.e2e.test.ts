import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../../src/index.js';
import { decodeOtlpJson } from '../../../exporters/codec/decode-json.js';
import { eventually, startKafka, type KafkaBackend } from '../backends.js';
import { runScript } from '../fixtures/child-process.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { missing, SERVICE, tally } from './fixtures/topic.js';

// `otel-logkit collector` with its Kafka input (OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS): services write to
// a real Apache Kafka through the `kafka` destination; the collector consumes the topic as a group
// member and delivers through its own stages to the file destination, committing offsets only after.

let kafka: KafkaBackend;
let dir: string;

beforeAll(async () => {
  kafka = await startKafka();
  dir = await mkdtemp(join(tmpdir(), 'logkit-collector-kafka-'));
});
afterAll(async () => {
  await kafka?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function delivered(fileDir: string): Promise<ReturnType<typeof decodeOtlpJson>> {
  const files = (await readdir(fileDir).catch(() => [])).filter((f) => f.endsWith('.jsonl'));
  const lines = (await Promise.all(files.map((f) => readFile(join(fileDir, f), 'utf8')))).join('').split('\n').filter((l) => l !== '');
  return lines.flatMap((line) => decodeOtlpJson(JSON.parse(line)));
}

describe('otel-logkit collector with a Kafka input', () => {
  it('consumes what services wrote to the topic, delivers every record through its stages, and commits what it accepted', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `logs_${runId}`;
    await kafka.createTopic(topic, 3);
    const total = 300;
    const service = runScript(SERVICE, [runId, 'checkout', String(total)], {
      ...fastDelivery,
      OTEL_SERVICE_NAME: 'logkit-e2e-kafka',
      OTEL_LOGS_EXPORTER: 'kafka',
      OTEL_LOGKIT_KAFKA_BROKERS: kafka.brokers,
      OTEL_LOGKIT_KAFKA_TOPIC: topic,
    });
    expect((await service.exited).code).toBe(0);

    const fileDir = join(dir, runId);
    const collector = createCollector({
      env: {
        ...fastDelivery,
        OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0',
        OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: '127.0.0.1:0',
        OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: '127.0.0.1:0',
        OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: kafka.brokers,
        OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC: topic,
        OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID: `collector-${runId}`,
        OTEL_LOGS_EXPORTER: 'file',
        OTEL_LOGKIT_FILE_DIR: fileDir,
        OTEL_LOGKIT_SPOOL_DIR: join(dir, `${runId}-spool`),
      },
    });
    const info = await collector.start();
    try {
      expect(info.kafka).toBe(true);
      const records = await eventually(() => delivered(fileDir), (got) => missing(tally(got, runId), total).length === 0, { timeoutMs: 90_000 });
      expect(missing(tally(records, runId), total)).toEqual([]);
      const source = await eventually(async () => collector.stats().kafka_source!, (s) => s.accepted === total, { timeoutMs: 30_000 });
      expect(source).toMatchObject({ records: total, accepted: total, undecodable: 0 });
      expect(collector.stats().file).toMatchObject({ failed: 0 });
    } finally {
      await collector.stop();
    }
  });
});
