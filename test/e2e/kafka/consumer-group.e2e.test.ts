import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKafka, startOpenSearch, type KafkaBackend, type OpenSearchBackend } from '../backends.js';
import { runScript } from '../fixtures/child-process.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { storedDocuments } from '../fixtures/opensearch-documents.js';
import { ConsumerMember } from './fixtures/consumer-group.js';
import { produceNumbered, SERVICE } from './fixtures/topic.js';

// The scale-out topology end to end, every hop real: services (kafka destination) → Apache Kafka →
// a consumer group of collector-tier processes (Kafka source → elasticsearch destination with a spool)
// → OpenSearch. At-least-once across a SIGKILL of a member; exactly once in OpenSearch (_id is
// log.record.uid). Then the throughput of one member against three.

let kafka: KafkaBackend;
let os: OpenSearchBackend;
const members: ConsumerMember[] = [];

beforeAll(async () => {
  [kafka, os] = await Promise.all([startKafka(), startOpenSearch()]);
});
afterAll(async () => {
  await Promise.all(members.map((m) => m.dispose()));
  await Promise.all([kafka?.dispose(), os?.dispose()]);
});

function memberEnv(topic: string, groupId: string, index: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...fastDelivery,
    OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: kafka.brokers,
    OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC: topic,
    OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID: groupId,
    OTEL_LOGS_EXPORTER: 'elasticsearch',
    OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: os.baseUrl,
    OTEL_LOGKIT_ELASTICSEARCH_INDEX: index,
    ...extra,
  };
}

async function group(size: number, env: Record<string, string>, prefix: string): Promise<ConsumerMember[]> {
  const created = await Promise.all(Array.from({ length: size }, (_, i) => ConsumerMember.create(`${prefix}${i}`, env)));
  members.push(...created);
  // One after the other: each join is a rebalance; starting them together only makes the first ones wait.
  for (const member of created) await member.start();
  return created;
}

function sum(stats: Record<string, Record<string, unknown>>[], section: string, key: string): number {
  return stats.reduce((total, s) => total + Number(s[section]?.[key] ?? 0), 0);
}

describe('services → Kafka → consumer group → OpenSearch', () => {
  it('finds every record once in OpenSearch after a member is SIGKILLed mid-stream and restarted; duplicates only re-read, never stored twice', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `group_${runId}`;
    const index = `e2e-kafka-group-${runId}`;
    await kafka.createTopic(topic, 6);
    const [victim, ...others] = await group(3, memberEnv(topic, `collectors-${runId}`, index), `member-${runId}-`);

    const perService = 2_500;
    const services = ['a', 'b'].map((s) =>
      runScript(SERVICE, [`${runId}${s}`, s, String(perService)], { ...fastDelivery, OTEL_SERVICE_NAME: `logkit-e2e-svc-${s}`, OTEL_LOGS_EXPORTER: 'kafka', OTEL_LOGKIT_KAFKA_BROKERS: kafka.brokers, OTEL_LOGKIT_KAFKA_TOPIC: topic }),
    );
    await eventually(async () => victim!.accepted, (n) => n >= 300, { timeoutMs: 60_000, intervalMs: 20 });
    const acceptedBeforeKill = victim!.accepted;
    await victim!.kill();
    for (const service of services) expect((await service.exited).code).toBe(0);
    await victim!.start();

    const found = await eventually(
      () => Promise.all(['a', 'b'].map((s) => storedDocuments(os, index, `${runId}${s}`))),
      (stored) => stored.every((s) => s.perNumber.size === perService),
      { timeoutMs: 120_000 },
    );
    const lost = found.reduce((n, s) => n + Array.from({ length: perService }, (_, i) => i).filter((i) => !s.perNumber.has(i)).length, 0);
    const storedTwice = found.reduce((n, s) => n + s.hits.length - s.perNumber.size, 0);
    expect(lost).toBe(0);
    expect(storedTwice).toBe(0);
    expect(found.every((s) => [...s.perId.values()].every((count) => count === 1))).toBe(true);

    const stats = await Promise.all([victim!, ...others].map((m) => m.stop()));
    expect(sum(stats, 'kafka_source', 'undecodable')).toBe(0);
    expect(sum(stats, 'elasticsearch', 'failed')).toBe(0);
    summary('kafka consumer group, SIGKILL of a member', {
      records: 2 * perService,
      killed_member_accepted_before_kill: acceptedBeforeKill,
      lost,
      stored_twice_in_opensearch: storedTwice,
      records_read_after_kill: sum(stats, 'kafka_source', 'records'),
      stale_dropped: sum(stats, 'kafka_source', 'stale'),
      duplicates_answered_409: sum(stats, 'elasticsearch_bulk', 'duplicates'),
      opensearch_retries: sum(stats, 'elasticsearch', 'retried'),
      replayed_from_killed_members_spool: Number(stats[0]!.elasticsearch?.replayed ?? 0),
      stream_restarts: sum(stats, 'kafka_source', 'restarts'),
      commit_failures: sum(stats, 'kafka_source', 'commit_failures'),
    });
  }, 300_000);

  // Two sinks: OpenSearch (the whole path), and none (Kafka and the source alone: fetch, decode, commit).
  it.each([
    { sink: 'opensearch', env: (): Record<string, string> => ({}) },
    { sink: 'none', env: (): Record<string, string> => ({ OTEL_LOGS_EXPORTER: 'none' }) },
  ])('throughput into $sink: one member against three in one group (records/s)', async ({ sink, env }) => {
    const total = 30_000;
    const figures: Record<string, number> = {};
    for (const size of [1, 3]) {
      const runId = randomBytes(6).toString('hex');
      const topic = `throughput_${runId}`;
      const index = `e2e-kafka-throughput-${runId}`;
      await kafka.createTopic(topic, 6);
      const consumers = await group(size, memberEnv(topic, `collectors-${runId}`, index, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '1024', ...env() }), `tp${size}-${runId}-`);
      const started = performance.now();
      await produceNumbered(kafka.brokers, topic, runId, 0, total);
      await eventually(async () => consumers.reduce((n, c) => n + c.accepted, 0), (n) => n >= total, { timeoutMs: 240_000, intervalMs: 100 });
      const seconds = (performance.now() - started) / 1000;
      const stats = await Promise.all(consumers.map((c) => c.stop()));
      expect(sum(stats, 'kafka_source', 'accepted')).toBeGreaterThanOrEqual(total);
      if (sink === 'opensearch') {
        expect(sum(stats, 'elasticsearch', 'failed')).toBe(0);
        // OpenSearch counts what it has refreshed; the last batch may still be on its way to a searchable segment.
        expect(await eventually(() => count(index), (n) => n >= total, { timeoutMs: 30_000 })).toBe(total);
      }
      figures[`records_per_s_${size}_member${size > 1 ? 's' : ''}`] = Math.round(total / seconds);
    }
    summary(`kafka consumer group throughput, sink ${sink} (2 cores shared by broker, OpenSearch and members)`, {
      records: total,
      ...figures,
      scaling: Number((figures.records_per_s_3_members! / figures.records_per_s_1_member!).toFixed(2)),
    });
  }, 600_000);
});

async function count(index: string): Promise<number> {
  await fetch(`${os.baseUrl}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${os.baseUrl}/${index}/_count`);
  return ((await res.json()) as { count: number }).count;
}
