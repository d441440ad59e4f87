import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { makeDataDir, ProcessBackend, type BackendLifecycle } from './BackendLifecycle.js';
import { E2E_DIR, ensureInstalled } from './install.js';
import { BackendStartError } from './ManagedProcess.js';
import { freePort } from './ports.js';

export interface KafkaBackend extends BackendLifecycle {
  /** The bootstrap address, e.g. `127.0.0.1:41234` (PLAINTEXT, no authentication). */
  readonly brokers: string;
  /** Creates `topic` with `partitions` partitions (replication factor 1) and waits until it has leaders. */
  createTopic(topic: string, partitions: number): Promise<void>;
  /** The sum over the topic's partitions of the latest offset: how many messages the topic holds. */
  messageCount(topic: string): Promise<number>;
}

/**
 * Starts a single Apache Kafka 4.x node in KRaft mode (broker and controller in one JVM, as
 * `kafka.Kafka` with a `server.properties`) on free loopback ports, its log directory formatted once
 * in a fresh data directory. Topics are created explicitly (`createTopic`); auto-creation is on with
 * 3 partitions for anything else.
 *
 * @example
 * const kafka = await startKafka();
 * await kafka.createTopic('otlp_logs', 3);
 * // OTEL_LOGKIT_KAFKA_BROKERS=kafka.brokers
 * await kafka.dispose();
 */
export async function startKafka(): Promise<KafkaBackend> {
  const classpathFile = await ensureInstalled('kafka');
  const classpath = (await readFile(classpathFile, 'utf8')).trim();
  const java = (await readFile(join(dirname(classpathFile), 'java.txt'), 'utf8')).trim();
  const dataDir = await makeDataDir('kafka');
  const [port, controllerPort] = [await freePort(), await freePort()];
  const brokers = `127.0.0.1:${port}`;
  const properties = join(dataDir, 'server.properties');
  await mkdir(join(dataDir, 'logs'));
  await writeFile(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dataDir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.partitions=3',
      '',
    ].join('\n'),
  );
  const jvm = ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${join(E2E_DIR, 'kafka/broker/log4j2.yaml')}`, `-Dkafka.logs.dir=${join(dataDir, 'logs')}`, '-cp', classpath];
  // A Kafka cluster id is 16 random bytes, base64url without padding (what `StorageTool random-uuid` prints);
  // given as --cluster-id=…, since one in 64 starts with "-" and would be read as an option.
  const clusterId = randomBytes(16).toString('base64url');
  try {
    await promisify(execFile)(java, [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties], { timeout: 120_000 });
  } catch (error) {
    throw new BackendStartError(`kafka: formatting ${dataDir} failed: ${(error as Error).message}`);
  }
  const probe = new Admin({ clientId: 'e2e-probe', bootstrapBrokers: [brokers], retries: 0, connectTimeout: 1_000, requestTimeout: 2_000 });
  const backend = new ProcessBackend(
    dataDir,
    { name: 'kafka', command: java, args: [...jvm, 'kafka.Kafka', properties], logFile: join(dataDir, 'kafka.log') },
    async () => {
      await probe.listTopics();
      return true;
    },
    // 8 s on an idle machine; far more when the 2 cores are shared.
    180_000,
  );
  await backend.start();
  const admin = new Admin({ clientId: 'e2e-admin', bootstrapBrokers: [brokers] });
  const dispose = backend.dispose.bind(backend);
  return Object.assign(backend, {
    brokers,
    async createTopic(topic: string, partitions: number): Promise<void> {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
        const found = metadata?.topics.get(topic);
        if (found && found.partitions.length === partitions && found.partitions.every((p) => p.leader >= 0)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`kafka: topic ${topic} has no leaders after 30 s`);
    },
    async messageCount(topic: string): Promise<number> {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      // Timestamp -1: the latest offset of each partition.
      const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
      const listed = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
      let total = 0;
      for (const t of listed) for (const p of t.partitions) total += Number(p.offset);
      return total;
    },
    async dispose(): Promise<void> {
      await Promise.allSettled([admin.close(), probe.close()]);
      await dispose();
    },
  });
}
