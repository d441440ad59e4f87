import { diag } from '@opentelemetry/api';
import type { ClusterMetadata, Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { OtlpProtobufDecoder } from '../../exporters/codec/decode-protobuf.js';
import { loadKafkaClient } from '../../exporters/kafka/client.js';
import { kafkaClientOptions, kafkaErrorHasCode } from '../../exporters/kafka/connection.js';
import type { BackendWatch } from '../core/backend-health.js';
import type { LogkitRecord } from '../core/record.js';
import type { KafkaSourceConfig } from './config.js';

/**
 * Where the source hands what it read. The promise resolves only once the records are durably
 * accepted downstream (written to a spool, acknowledged by a backend): only then are their offsets
 * committed. A rejection means "not accepted": the same records are offered again, after a backoff.
 */
export type RecordSink = (records: LogkitRecord[]) => Promise<void>;

/** What the source has done since it started; `in_flight` is a gauge, every other number a counter. */
export interface KafkaSourceStats {
  /** Kafka messages read (each one an OTLP `ExportLogsServiceRequest`). */
  messages: number;
  /** Log records decoded from them. */
  records: number;
  /** Records the sink accepted, and whose offsets were then committed (or will be with the next commit). */
  accepted: number;
  /** Messages that are not OTLP protobuf: counted, logged, and skipped (committed), never retried forever. */
  undecodable: number;
  /** Sink calls that rejected; the same records were offered again. */
  sink_failures: number;
  /** Messages fetched but dropped unread because the group rebalanced: the partition's owner reads them from the committed offset. */
  stale: number;
  /** Records this member had already had accepted and read again (a commit that did not land): duplicates downstream, as far as this member can tell. */
  reread: number;
  /** Rebalances this member went through (each one a new reading position from the committed offsets). */
  rebalances: number;
  /** Rejoins that waited for the batch in the sink to be accepted and committed before giving up the partitions. */
  rejoin_waits: number;
  /** Of those, the ones that gave up waiting (the batch took longer than the wait): its records are read again by the partition's next owner. */
  rejoin_wait_timeouts: number;
  /** Offset commits refused (a rebalance took the partition): those records will be read again, by whoever owns it now. */
  commit_failures: number;
  /** Times the stream of messages was opened again, after a rebalance or an error. */
  restarts: number;
  /** Attempts that got no answer from the brokers (a heartbeat, a fetch, a join, a commit): while they are away, this grows and the warning is said once. */
  unreachable: number;
  /** Records handed to the sink and not yet accepted. */
  in_flight: number;
  /** Messages the client fetched that the source has not read yet (it stops fetching once this reaches its small buffer's size). */
  buffered: number;
}

const RETRY_MIN_MS = 100;
/** A reconnect is tried at least this often while the brokers are away, so reading resumes within about a second of their return. */
const RETRY_MAX_MS = 1_000;
/** How long the group may take to hand out partitions when a member joins or leaves. */
const REBALANCE_TIMEOUT_MS = 30_000;
/** A member that stops heart-beating (SIGKILL) loses its partitions after this long. */
const SESSION_TIMEOUT_MS = 10_000;
/**
 * How long a rejoin waits for the batch in the sink to be accepted and committed. Shorter than the
 * session: the client stops heart-beating before it asks for the JoinGroup metadata (beforeRejoin),
 * and the coordinator drops a member whose JoinGroup comes a session timeout after its last
 * heartbeat — a wait as long as the session (10 s, as it was) could get the member expelled and its
 * commit refused, so the next owner read the batch again. As Vector bounds its drain on revoke below
 * `session_timeout_ms`.
 */
const REVOKE_WAIT_MS = SESSION_TIMEOUT_MS * 0.6;
/** How often the topic's partition count is checked: partitions added to it are read after the next check. */
const PARTITION_CHECK_MS = 5_000;

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** A stream is read only within the group generation it was opened in; `joins` counts the group joins seen. */
interface OpenStream {
  stream: Stream;
  joins: number;
}

/**
 * A Kafka consumer-group member that reads OTLP protobuf messages (what the `kafka` destination and
 * the Collector's kafkaexporter with `encoding: otlp_proto` write), decodes them with the codec's
 * decoder and hands the records to a sink. At-least-once end to end:
 *
 * - an offset is committed only after the sink resolved for every record before it; a crash or a
 *   rebalance before that means the records are read again (duplicates, which backends that key on
 *   `log.record.uid` absorb), never lost;
 * - every reading position comes from the group's committed offset, or the beginning of the
 *   partition when it has none: a stream of messages is used only within the group generation it was
 *   opened in, and after a rebalance a new one is opened (the client would otherwise go on from where
 *   its previous stream happened to be for a partition without a committed offset);
 * - before the member rejoins its group (and so gives up its partitions) the batch in the sink is
 *   finished and committed, so the next owner reads only what was not accepted;
 * - while the sink is slow nothing more is read: the client stops fetching once its small buffer is
 *   full, and the group membership stays alive (heartbeats run on their own timer);
 * - partitions added to the topic are noticed within seconds and the group rebalances to read them;
 * - the brokers going away is said once per outage (through the given {@link BackendWatch}), and
 *   reading resumes within about a second of their return.
 *
 * @example
 * const source = new KafkaSource(parseKafkaSourceConfig(), async (records) => { await queue.append(records); });
 * await source.start();
 * // …
 * await source.close(); // waits for the batch in the sink, commits it, leaves the group
 */
export class KafkaSource {
  private readonly counters: Omit<KafkaSourceStats, 'in_flight' | 'buffered'> = {
    messages: 0,
    records: 0,
    accepted: 0,
    undecodable: 0,
    stale: 0,
    reread: 0,
    rebalances: 0,
    rejoin_waits: 0,
    rejoin_wait_timeouts: 0,
    sink_failures: 0,
    commit_failures: 0,
    restarts: 0,
    unreachable: 0,
  };
  private inFlight = 0;
  /** The stream being read, while there is one. */
  private reading: Stream | undefined;
  private consumer: Consumer | undefined;
  private running: Promise<void> | undefined;
  private closing = false;
  private readonly wakeups = new Set<() => void>();
  /** Group joins completed so far: a stream opened before the last one is no longer read. */
  private joins = 0;
  /** A rejoin is waiting for the batch in the sink: nothing more is read from the current stream. */
  private rejoining = false;
  /** The batch in the sink and its commit, while there is one. */
  private settling: Promise<void> | undefined;
  private committing = false;
  /** Per partition, the offset after the last message whose records this process had accepted. */
  private readonly acceptedUpTo = new Map<number, bigint>();
  /** The topic's partition count the group last assigned. */
  private partitions = 0;
  private partitionCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly sink: RecordSink,
    private readonly watch?: BackendWatch,
  ) {}

  /** Joins the group and starts reading; resolves once the first stream is open. Rejects if the client cannot be loaded or the cluster reached. */
  async start(): Promise<void> {
    if (this.running) return;
    const { Consumer } = await loadKafkaClient();
    const consumer = new Consumer({
      ...kafkaClientOptions(this.config.connection),
      groupId: this.config.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 1_000,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      // Called before every JoinGroup. The group's (eager) protocol gives up every partition when a
      // member rejoins, so this is where the Kafka consumer protocol commits on revoke.
      protocolsMetadata: (_protocols, _topics, metadata) => this.beforeRejoin(metadata),
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', () => {
      this.joins++;
      this.rejoining = false;
      this.wake();
    });
    // After a rejoin that failed, too: reading resumes from a new stream (and the client tries again).
    consumer.on('consumer:rejoin', () => {
      this.rejoining = false;
      this.wake();
    });
    consumer.on('consumer:heartbeat:error', (event: { error?: Error }) => this.unreachable(event.error));
    consumer.on('consumer:heartbeat:end', () => this.watch?.reached());
    // The client emits 'error' when a rejoin fails; unheard, it would end the process.
    consumer.on('error', (error: Error) => this.unreachable(error));
    let first: OpenStream;
    try {
      first = await joinedWithin(this.open(), REBALANCE_TIMEOUT_MS + this.config.connection.timeoutMs);
    } catch (error) {
      // Nothing joined: the next start() begins afresh, with a new client.
      this.unreachable(error as Error);
      await consumer.close(true).catch(() => {});
      this.consumer = undefined;
      throw error;
    }
    this.watch?.reached();
    this.partitionCheck = setInterval(() => void this.checkPartitions(), PARTITION_CHECK_MS).unref();
    this.running = this.run(first);
  }

  stats(): KafkaSourceStats {
    return { ...this.counters, in_flight: this.inFlight, buffered: this.reading?.readableLength ?? 0 };
  }

  /**
   * Stops reading, lets the batch in the sink finish (its offsets are then committed), and leaves the
   * group so its partitions move to the other members at once. Records read but not accepted are
   * not committed: another member reads them again.
   */
  async close(): Promise<void> {
    if (this.closing) return this.running;
    this.closing = true;
    clearInterval(this.partitionCheck);
    this.wake();
    await this.running?.catch(() => {});
    await this.consumer?.close(true).catch((error: unknown) => diag.warn(`otel-logkit: kafka source: leaving the group failed: ${(error as Error).message}`));
  }

  private async open(): Promise<OpenStream> {
    const stream = await this.consumer!.consume({
      topics: [this.config.topic],
      autocommit: false,
      // From the group's committed offsets; a partition without one starts at its beginning.
      mode: 'committed',
      fallbackMode: 'earliest',
      // Few messages buffered ahead: backpressure reaches the broker quickly when the sink is slow.
      highWaterMark: 64,
      maxWaitTime: 500,
    });
    // Captured in the same turn as the stream was made: no group join can come in between.
    const joins = this.joins;
    // Errors end the stream; run() opens a new one. The listener keeps them from being unhandled.
    stream.on('error', (error: Error) => {
      diag.debug(`otel-logkit: kafka source: stream ended: ${error.message}`);
      this.wake();
    });
    // A 'readable' listener for the stream's whole life keeps it in paused (pull) mode: the client
    // fetches only while a listener is attached, so removing it between batches would stop fetching.
    stream.on('readable', () => this.wake()).on('end', () => this.wake()).on('close', () => this.wake());
    return { stream, joins };
  }

  private async run(first: OpenStream): Promise<void> {
    let current: OpenStream | undefined = first;
    let failures = 0;
    while (!this.closing) {
      let retired: Stream | undefined;
      try {
        if (!current) {
          current = await this.open();
          this.counters.restarts++;
        }
        failures = 0;
        await this.drain(current);
        if (this.closing) break;
        // A rebalance: what the stream still buffers is dropped, the new one reads it from the committed offsets.
        this.counters.rebalances++;
        this.counters.stale += current.stream.readableLength;
        await this.untilJoined();
        // The new stream is opened before the old one closes: the topic stays subscribed all along, so
        // the client sees no reason to rejoin (which would be one more rebalance for every member).
        retired = current.stream;
        current = undefined;
        current = await this.open();
        this.counters.restarts++;
      } catch (error) {
        this.unreachable(error as Error);
        diag.debug(`otel-logkit: kafka source: ${(error as Error).message}; reading again from the committed offsets`);
        await current?.stream.close().catch(() => {});
        current = undefined;
        await this.sleep(backoff(failures++));
      } finally {
        await retired?.close().catch(() => {});
      }
    }
    await current?.stream.close().catch(() => {});
  }

  /** Whether a stream may still be read: no rebalance began or ended since it was opened. */
  private current(open: OpenStream): boolean {
    return open.joins === this.joins && !this.rejoining;
  }

  /** Reads batches until a rebalance, the source closes, or the stream fails (which throws). */
  private async drain(open: OpenStream): Promise<void> {
    const { stream } = open;
    this.reading = stream;
    try {
      while (!this.closing && this.current(open)) {
        if (stream.destroyed || stream.readableEnded) throw stream.errored ?? new Error('the stream of messages ended');
        const batch = this.readAvailable(stream);
        if (batch.messages.length === 0) {
          await this.readable();
          continue;
        }
        await this.process(batch);
      }
    } finally {
      this.reading = undefined;
    }
  }

  /** What the stream has buffered, up to about `maxBatchRecords` records; decodes as it goes. */
  private readAvailable(stream: Stream): { messages: Message[]; records: LogkitRecord[] } {
    const messages: Message[] = [];
    const records: LogkitRecord[] = [];
    // One decoder per batch: resources and scopes are interned within it, and dropped with it.
    const decoder = new OtlpProtobufDecoder();
    while (records.length < this.config.maxBatchRecords) {
      const message = stream.read() as Message | null;
      if (message === null) break;
      messages.push(message);
      this.counters.messages++;
      try {
        const decoded = message.value ? decoder.decode(message.value) : [];
        for (const record of decoded) records.push(record);
        if (message.offset < (this.acceptedUpTo.get(message.partition) ?? -1n)) this.counters.reread += decoded.length;
      } catch (error) {
        this.counters.undecodable++;
        diag.warn(`otel-logkit: kafka source: message ${message.topic}/${message.partition}@${message.offset} is not OTLP protobuf (${(error as Error).message}); skipped`);
      }
    }
    if (messages.length > 0) this.watch?.reached();
    this.counters.records += records.length;
    return { messages, records };
  }

  /** Hands a batch to the sink until it is accepted, then commits it; a rejoin waits for this (see beforeRejoin). */
  private async process(batch: { messages: Message[]; records: LogkitRecord[] }): Promise<void> {
    const settling = this.settle(batch);
    this.settling = settling.catch(() => {});
    try {
      await settling;
    } finally {
      this.settling = undefined;
    }
  }

  private async settle({ messages, records }: { messages: Message[]; records: LogkitRecord[] }): Promise<void> {
    if (records.length > 0) {
      this.inFlight = records.length;
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await this.sink(records);
            break;
          } catch (error) {
            this.counters.sink_failures++;
            const say = attempt === 0 ? diag.warn : diag.debug;
            say(`otel-logkit: kafka source: the sink refused ${records.length} records (${(error as Error).message}); offering them again`);
            // Closing, or the group rebalancing: left uncommitted, so the partition's owner reads them again.
            if (this.closing || this.rejoining) return;
            await this.sleep(backoff(attempt));
            if (this.closing || this.rejoining) return;
          }
        }
      } finally {
        this.inFlight = 0;
      }
      this.counters.accepted += records.length;
    }
    const last = new Map<number, Message>();
    for (const message of messages) last.set(message.partition, message);
    for (const [partition, message] of last) if (message.offset + 1n > (this.acceptedUpTo.get(partition) ?? -1n)) this.acceptedUpTo.set(partition, message.offset + 1n);
    await this.commit([...last.values()]);
  }

  /**
   * Commits the offset after each partition's last message, with the client's commit (not the
   * stream's, which waits while the member is between generations — exactly when a rejoin waits for it).
   */
  private async commit(last: Message[]): Promise<void> {
    if (last.length === 0) return;
    this.committing = true;
    try {
      await this.consumer!.commit({ offsets: last.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })) });
    } catch (error) {
      this.counters.commit_failures += last.length;
      throw new Error(`the group refused an offset commit (${(error as Error).message})`, { cause: error });
    } finally {
      this.committing = false;
    }
  }

  /**
   * Before each JoinGroup (see start): stop reading, and let the batch in the sink be accepted and
   * committed while this member still owns its partitions — the group waits for the member's join up
   * to the rebalance timeout, and commits of the current generation are taken meanwhile. A commit
   * already under way is not waited for: the client may be rejoining for it. Its answer carries the
   * topic's partition count, so a member that saw partitions added makes the group rebalance.
   */
  private async beforeRejoin(metadata: ClusterMetadata): Promise<Buffer> {
    this.rejoining = true;
    this.wake();
    this.partitions = metadata.topics.get(this.config.topic)?.partitionsCount ?? this.partitions;
    if (this.settling && !this.committing) {
      this.counters.rejoin_waits++;
      if (!(await within(this.settling, REVOKE_WAIT_MS))) this.counters.rejoin_wait_timeouts++;
    }
    const userData = Buffer.alloc(4);
    userData.writeUInt32BE(this.partitions);
    return userData;
  }

  /** Waits while a rejoin is under way (bounded: a join that never ends must not stop reading for good). */
  private async untilJoined(): Promise<void> {
    const deadline = Date.now() + REBALANCE_TIMEOUT_MS;
    while (this.rejoining && !this.closing && Date.now() < deadline) await this.sleep(deadline - Date.now());
  }

  /** Partitions added to the topic: the group rebalances to hand them out (the client would never read them otherwise). */
  private async checkPartitions(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.closing || this.rejoining || this.partitions === 0) return;
    try {
      const metadata = await consumer.metadata({ topics: [this.config.topic], forceUpdate: true });
      const count = metadata.topics.get(this.config.topic)?.partitionsCount ?? 0;
      if (count > this.partitions && !this.closing && !this.rejoining) {
        diag.info(`otel-logkit: kafka source: ${this.config.topic} has ${count} partitions now (was ${this.partitions}); rejoining the group to read them`);
        await consumer.joinGroup({});
      }
    } catch (error) {
      this.unreachable(error as Error);
    }
  }

  /** Tells the watch when an error means the brokers cannot be reached (a refusal or a rebalance does not). */
  private unreachable(error: Error | undefined): void {
    if (!error || !(kafkaErrorHasCode(error, 'PLT_KFK_NETWORK') || kafkaErrorHasCode(error, 'PLT_KFK_TIMEOUT'))) return;
    this.counters.unreachable++;
    this.watch?.unreachable(error);
  }

  /** Resolves when the stream has messages, ends, fails, a rebalance begins or ends, or the source closes. */
  private readable(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakeups.delete(done);
        resolve();
      };
      this.wakeups.add(done);
    });
  }

  private wake(): void {
    for (const wake of [...this.wakeups]) wake();
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }
}

/** Resolves when `promise` settles (true) or after `ms` (false), whichever comes first. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), deadline]).finally(() => clearTimeout(timer));
}

/**
 * The first join, bounded: a server on the broker's port that accepts and drops every connection
 * leaves the client's join pending with nothing left to wake it, and start() must not wait forever.
 */
function joinedWithin<T>(joining: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kafka source: could not join the consumer group within ${ms} ms`)), ms);
  });
  return Promise.race([joining, deadline]).finally(() => clearTimeout(timer));
}

function backoff(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
}
