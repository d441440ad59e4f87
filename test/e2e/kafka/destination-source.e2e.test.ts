import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSource, parseKafkaSourceConfig, type LogkitRecord } from '../../../src/index.js';
import { SettingsReader } from '../../../src/core/env.js';
import { encodeOtlpProtobuf } from '../../../exporters/codec/encode-protobuf.js';
import { eventually, startKafka, type KafkaBackend } from '../backends.js';
import { runScript } from '../fixtures/child-process.js';
import { fastDelivery } from '../fixtures/delivery-env.js';
import { summary } from '../fixtures/known-records.js';
import { attribute, duplicates, missing, produceNumbered, readTopic, recordsOf, SERVICE, tally } from './fixtures/topic.js';

// The `kafka` destination and the Kafka source against a real Apache Kafka 4.1 (KRaft): what the
// destination writes (keys, encoding, partitions), what the source reads back and commits, and the
// broker going away while a service keeps logging into its spool.

let kafka: KafkaBackend;

beforeAll(async () => {
  kafka = await startKafka();
});
afterAll(async () => {
  await kafka?.dispose();
});

function serviceEnv(topic: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...fastDelivery, OTEL_SERVICE_NAME: 'logkit-e2e-kafka', OTEL_LOGS_EXPORTER: 'kafka', OTEL_LOGKIT_KAFKA_BROKERS: kafka.brokers, OTEL_LOGKIT_KAFKA_TOPIC: topic, ...(process.env.E2E_DEBUG ? { E2E_DEBUG: '1' } : {}), ...extra };
}

function lastStats(lines: readonly string[]): Record<string, Record<string, unknown>> {
  const line = lines.findLast((l) => l.startsWith('stats '));
  if (!line) throw new Error(`no stats line; last lines: ${lines.slice(-5).join(' | ')}`);
  return JSON.parse(line.slice(6)) as Record<string, Record<string, unknown>>;
}

/** Record `n` of run `runId` (`e2e.run`, `e2e.n`), as a producer of the test writes it. */
function numbered(runId: string, n: number): LogkitRecord {
  return {
    hrTime: [1_700_000_000, n],
    hrTimeObserved: [1_700_000_000, n],
    body: `record ${n}`,
    resource: resourceFromAttributes({ 'service.name': 'e2e-producer' }),
    instrumentationScope: { name: 'e2e' },
    attributes: { 'e2e.run': runId, 'e2e.n': n },
    droppedAttributesCount: 0,
  };
}

/** A Kafka source whose sink keeps what it is given, in memory. */
function memorySource(topic: string, groupId: string, sink?: (records: LogkitRecord[]) => Promise<void>, env: Record<string, string> = {}) {
  const received: LogkitRecord[] = [];
  const config = parseKafkaSourceConfig(
    new SettingsReader({ OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS: kafka.brokers, OTEL_LOGKIT_COLLECTOR_KAFKA_TOPIC: topic, OTEL_LOGKIT_COLLECTOR_KAFKA_GROUP_ID: groupId, ...env }),
  );
  const source = new KafkaSource(config, async (records) => {
    await sink?.(records);
    received.push(...records);
  });
  return { source, received };
}

describe('kafka destination → Apache Kafka → Kafka source', () => {
  it('writes one OTLP protobuf message per correlation id (all records of a request on one partition), and the source reads every record once and commits', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `logs_${runId}`;
    await kafka.createTopic(topic, 3);
    const total = 500;
    const service = runScript(SERVICE, [runId, 'checkout', String(total)], serviceEnv(topic));
    expect((await service.exited).code).toBe(0);
    expect(lastStats(service.lines).kafka).toMatchObject({ received: total, exported: total, failed: 0, dead_lettered: 0 });

    // One message per request: the key is the request's correlation.global_id, on exactly one partition.
    const messages = await readTopic(kafka.brokers, topic, total / 5);
    const partitionsOfKey = new Map<string, Set<number>>();
    const raw: LogkitRecord[] = [];
    for (const message of messages) {
      const records = recordsOf(message);
      raw.push(...records);
      const key = message.key.toString('utf8');
      expect(records.every((r) => attribute(r, 'correlation.global_id') === key), `message ${message.partition}@${message.offset}`).toBe(true);
      partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(message.partition));
    }
    expect(partitionsOfKey.size).toBe(total / 5);
    expect([...partitionsOfKey.values()].every((p) => p.size === 1)).toBe(true);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(3);
    expect(missing(tally(raw, runId), total)).toEqual([]);

    const groupId = `e2e-${runId}`;
    const first = memorySource(topic, groupId);
    await first.source.start();
    await eventually(async () => first.received.length, (n) => n >= total, { timeoutMs: 60_000 });
    await first.source.close();
    const seen = tally(first.received, runId);
    expect(missing(seen, total)).toEqual([]);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(first.source.stats()).toMatchObject({ records: total, accepted: total, undecodable: 0, in_flight: 0 });

    // The group committed what the sink accepted: a new member of the same group reads nothing of it.
    // One more record on each partition, written after the commit, is what it waits for: having read
    // that, it has read every partition from its committed offset on (Kafka keeps a partition's order),
    // so the run's records are not coming.
    const second = memorySource(topic, groupId);
    await second.source.start();
    const producer = new Producer({ clientId: 'e2e-after-commit', bootstrapBrokers: [kafka.brokers] });
    const after = [0, 1, 2].map((partition) => ({ topic, partition, value: encodeOtlpProtobuf([numbered(`${runId}-after`, partition)]) }));
    await producer.send({ messages: after });
    await producer.close();
    await eventually(async () => second.received.length, (n) => n >= after.length, { timeoutMs: 60_000 });
    await second.source.close();
    expect(second.received.map((r) => r.attributes['e2e.run'])).toEqual(after.map(() => `${runId}-after`));
    expect(missing(tally(second.received, `${runId}-after`), after.length)).toEqual([]);
  });

  it('writes a route target kafka(topic=…) to its own topic, with its own producer and stats section', async () => {
    const runId = randomBytes(6).toString('hex');
    const [main, audit] = [`main_${runId}`, `audit_${runId}`];
    await kafka.createTopic(main, 1);
    await kafka.createTopic(audit, 1);
    const service = runScript(SERVICE, [runId, 'audit', '50'], serviceEnv(main, { OTEL_LOGKIT_ROUTES: `e2e.service=audit -> kafka(topic=${audit})` }));
    expect((await service.exited).code).toBe(0);
    const stats = lastStats(service.lines);
    expect(stats[`kafka_topic_${audit}`]).toMatchObject({ exported: 50, failed: 0 });
    const messages = await readTopic(kafka.brokers, audit, 10);
    expect(missing(tally(messages.flatMap(recordsOf), runId), 50)).toEqual([]);
    expect(await kafka.messageCount(main)).toBe(0);
  });

  it('counts a message that is not OTLP protobuf, skips it, and still delivers the records around it', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `poison_${runId}`;
    await kafka.createTopic(topic, 1);
    const record = (n: number): LogkitRecord => numbered(runId, n);
    const producer = new Producer({ clientId: 'e2e-poison', bootstrapBrokers: [kafka.brokers] });
    await producer.send({ messages: [{ topic, value: encodeOtlpProtobuf([record(0)]) }, { topic, value: Buffer.from('{"not":"protobuf"') }, { topic, value: encodeOtlpProtobuf([record(1)]) }] });
    await producer.close();

    const { source, received } = memorySource(topic, `e2e-${runId}`);
    await source.start();
    await eventually(async () => received.length, (n) => n >= 2, { timeoutMs: 30_000 });
    await source.close();
    expect(missing(tally(received, runId), 2)).toEqual([]);
    expect(source.stats()).toMatchObject({ messages: 3, undecodable: 1, accepted: 2 });
  });

  it('reads nothing more while the sink is slow, and offers refused records again until they are accepted', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `slow_${runId}`;
    await kafka.createTopic(topic, 1);
    const total = 1000;
    const service = runScript(SERVICE, [runId, 'slow', String(total)], serviceEnv(topic));
    expect((await service.exited).code).toBe(0);

    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sink = async () => {
      calls++;
      if (calls === 2) throw new Error('downstream queue full');
      if (calls === 3) await gate;
    };
    const { source, received } = memorySource(topic, `e2e-${runId}`, sink, { OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS: '50' });
    await source.start();
    // The third batch waits in the sink: nothing else is read meanwhile, however much the topic holds.
    await eventually(async () => source.stats(), (s) => s.in_flight > 0 && calls === 3, { timeoutMs: 30_000 });
    // Meanwhile the client has fetched what the source does not read: at least a buffer's worth (64
    // messages) waits there, unread, while the sink holds the batch.
    const held = await eventually(async () => source.stats(), (s) => s.buffered >= 64, { timeoutMs: 30_000 });
    expect(held.sink_failures).toBe(1);
    expect(held.records, 'two batches of 50 read: the accepted one and the one in the sink').toBe(100);
    expect(calls).toBe(3);
    release();
    await eventually(async () => received.length, (n) => n >= total, { timeoutMs: 60_000 });
    await source.close();
    expect(missing(tally(received, runId), total)).toEqual([]);
    summary('kafka source backpressure', { topic_records: total, read_while_sink_held: held.records, sink_failures: held.sink_failures });
  });

  it('commits the batch held in its sink before it rejoins: a member joining meanwhile reads none of it again', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `rejoin_${runId}`;
    const groupId = `e2e-${runId}`;
    await kafka.createTopic(topic, 2);
    const total = 2_000;
    await produceNumbered(kafka.brokers, topic, runId, 0, total);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const first = memorySource(topic, groupId, async () => {
      if (++calls === 1) await gate;
    }, { OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS: '100' });
    const second = memorySource(topic, groupId);
    const admin = new Admin({ clientId: 'e2e-rejoin', bootstrapBrokers: [kafka.brokers] });
    try {
      await first.source.start();
      await eventually(async () => first.source.stats(), (s) => s.in_flight > 0, { timeoutMs: 30_000 });
      // The second member's join starts a rebalance; the first cannot rejoin while its batch is in the sink.
      const joining = second.source.start();
      // Both members known to the coordinator, the group waiting for the first one's JoinGroup.
      await eventually(
        async () => (await admin.describeGroups({ groups: [groupId] })).get(groupId),
        (g) => g?.state === 'PreparingRebalance' && g.members.size === 2,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      // The first member heard of it (its heartbeat's answer) and waits for its batch before rejoining.
      await eventually(async () => first.source.stats().rejoin_waits, (n) => n >= 1, { timeoutMs: 30_000, intervalMs: 50 });
      // Accepted during the rebalance: committed before the JoinGroup, so the new owner starts after it.
      release();
      await joining;
      await eventually(async () => missing(tally([...first.received, ...second.received], runId), total).length, (n) => n === 0, { timeoutMs: 60_000 });
      await Promise.all([first.source.close(), second.source.close()]);
      const counts = tally([...first.received, ...second.received], runId);
      const stats = [first.source.stats(), second.source.stats()];
      summary('kafka source: batch in the sink across a rebalance', { records: total, duplicates: duplicates(counts), first: first.received.length, second: second.received.length });
      expect(duplicates(counts)).toBe(0);
      expect(second.received.length, 'the second member owns a partition after the rebalance and reads it').toBeGreaterThan(0);
      expect(stats.map((s) => s.commit_failures)).toEqual([0, 0]);
      expect(stats[0]).toMatchObject({ rejoin_waits: 1, rejoin_wait_timeouts: 0, reread: 0 });
    } finally {
      release();
      await admin.close();
      await Promise.all([first.source.close(), second.source.close()]);
    }
  });

  it('keeps reading when every sink call outlasts a fetch wait (a slow downstream never stalls the stream)', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `slowsink_${runId}`;
    await kafka.createTopic(topic, 1);
    const total = 400;
    const sink = () => new Promise<void>((resolve) => setTimeout(resolve, 700));
    const { source, received } = memorySource(topic, `e2e-${runId}`, sink, { OTEL_LOGKIT_COLLECTOR_KAFKA_MAX_BATCH_RECORDS: '100' });
    // Reading first, an empty topic: the records arrive while the source waits, then while the sink works.
    await source.start();
    const service = runScript(SERVICE, [runId, 'slowsink', String(total)], serviceEnv(topic));
    expect((await service.exited).code).toBe(0);
    await eventually(async () => received.length, (n) => n >= total, { timeoutMs: 60_000 });
    await source.close();
    expect(missing(tally(received, runId), total)).toEqual([]);
  });

  it('loses nothing when the broker is stopped while a service keeps logging: its spool holds the records and delivers them once the broker is back', async () => {
    const runId = randomBytes(6).toString('hex');
    const topic = `outage_${runId}`;
    await kafka.createTopic(topic, 3);
    const spoolDir = await mkdtemp(join(tmpdir(), 'otel-logkit-e2e-kafka-spool-'));
    try {
      // A service's steady pace (25 records, then 10 ms), not a flood: the outage leaves about 5-6k
      // records in the spool instead of the 45-80k a tight loop wrote, which proves the same point
      // without spooling, producing and reading tens of thousands of records on two shared cores.
      const service = runScript(SERVICE, [runId, 'outage', '0', '10'], serviceEnv(topic, { OTEL_LOGKIT_SPOOL_DIR: spoolDir, OTEL_LOGKIT_KAFKA_TIMEOUT: '2000' }));
      const latest = (prefix: 'committed ' | 'delivered '): number => Number(service.lines.findLast((l) => l.startsWith(prefix))?.slice(prefix.length) ?? 0);
      await service.waitForLine((line) => line.startsWith('delivered ') && Number(line.slice(10)) >= 200);
      await kafka.stop();
      const stoppedAtMs = Date.now();
      const stoppedAt = latest('committed ');
      const linesAtStop = service.lines.length;
      // The outage lasts until the service has logged a thousand more records into its spool and its
      // destination has failed three more retries (each a new `retried` line): long enough that
      // everything logged meanwhile can only come from the spool once the broker is back.
      await eventually(
        async () => ({ logged: latest('committed ') - stoppedAt, retries: service.lines.slice(linesAtStop).filter((l) => l.startsWith('retried ')).length }),
        ({ logged, retries }) => logged >= 1_000 && retries >= 3,
        { timeoutMs: 120_000 },
      );
      const duringOutage = latest('committed ') - stoppedAt;
      const deliveredDuringOutage = latest('delivered ');
      const linesBeforeRestart = service.lines.length;
      const outageMs = Date.now() - stoppedAtMs;
      await kafka.start();
      const backAt = Date.now();
      // Committed is not delivered: with a spool, a flush returns once the records are on disk. A
      // service stopped while a delivery still waits out a backoff leaves what it holds in its spool
      // for its next start — kept, but not on Kafka. So wait, while the service keeps logging, until
      // it has nothing undelivered: everything from before the restart, the spool's backlog, is on Kafka.
      const drained = () => service.lines.slice(linesBeforeRestart).includes('undelivered 0');
      await eventually(async () => drained(), (done) => done, { timeoutMs: 90_000 });
      const backlogDeliveredMs = Date.now() - backAt;
      // SIGTERM: the service stops logging and shuts down, delivering the little its spool still holds.
      service.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
      const committed = latest('committed ');
      const stats = lastStats(service.lines);
      expect(stats.kafka, 'with the broker up, shutdown delivers everything: nothing failed, nothing left in the spool').toMatchObject({
        received: committed,
        exported: committed,
        failed: 0,
        dead_lettered: 0,
        queued: 0,
        spool_records: 0,
      });
      expect(stats.exit).toEqual({ lost: 0, kept_in_spool: 0 });

      const { source, received } = memorySource(topic, `e2e-${runId}`);
      await source.start();
      await eventually(async () => missing(tally(received, runId), committed).length, (n) => n === 0, { timeoutMs: 120_000 });
      await source.close();
      const seen = tally(received, runId);
      const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
      // What was logged while the broker was away went through the spool: nothing of it was delivered then.
      expect(duringOutage).toBeGreaterThan(0);
      expect(deliveredDuringOutage).toBeLessThanOrEqual(stoppedAt);
      summary('kafka broker outage', {
        outage_ms: outageMs,
        committed,
        logged_during_outage: duringOutage,
        lost: missing(seen, committed).length,
        duplicates,
        broker_restart_ms: kafka.lastStartMs,
        backlog_delivered_ms: backlogDeliveredMs,
        retried: Number(stats.kafka!.retried),
      });
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 240_000);
});
