import { diag } from '@opentelemetry/api';
import type { Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { OtlpProtobufDecoder } from '../../exporters/codec/decode-protobuf.js';
import { loadKafkaClient } from '../../exporters/kafka/client.js';
import { kafkaClientOptions } from '../../exporters/kafka/connection.js';
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
  /** Messages fetched before a rebalance and not handed on: the partition's owner reads them again from the committed offset. */
  stale: number;
  /** Offset commits refused (a rebalance took the partition): those records will be read again, by whoever owns it now. */
  commit_failures: number;
  /** Times the stream of messages was opened again, after a rebalance or an error. */
  restarts: number;
  /** Records handed to the sink and not yet accepted. */
  in_flight: number;
}

const RETRY_MIN_MS = 100;
/** How long the group may take to hand out partitions when a member joins or leaves. */
const REBALANCE_TIMEOUT_MS = 30_000;
const RETRY_MAX_MS = 5_000;

/**
 * A Kafka consumer-group member that reads OTLP protobuf messages (what the `kafka` destination and
 * the Collector's kafkaexporter with `encoding: otlp_proto` write), decodes them with the codec's
 * decoder and hands the records to a sink. At-least-once end to end:
 *
 * - an offset is committed only after the sink resolved for every record before it; a crash or a
 *   rebalance before that means the records are read again (duplicates, which backends that key on
 *   `log.record.uid` absorb), never lost;
 * - while the sink is slow nothing more is read: the client stops fetching once its small buffer is
 *   full, and the group membership stays alive (heartbeats run on their own timer);
 * - after a rebalance (or a commit the group refused) the stream is opened again from the committed
 *   offsets; a message is never split, so the records of one key (one request) stay together.
 *
 * @example
 * const source = new KafkaSource(parseKafkaSourceConfig(), async (records) => { await queue.append(records); });
 * await source.start();
 * // …
 * await source.close(); // waits for the batch in the sink, commits it, leaves the group
 */
export class KafkaSource {
  private readonly counters: Omit<KafkaSourceStats, 'in_flight'> = {
    messages: 0,
    records: 0,
    accepted: 0,
    undecodable: 0,
    stale: 0,
    sink_failures: 0,
    commit_failures: 0,
    restarts: 0,
  };
  private inFlight = 0;
  private consumer: Consumer | undefined;
  private running: Promise<void> | undefined;
  private closing = false;
  private readonly wakeups = new Set<() => void>();

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly sink: RecordSink,
  ) {}

  /** Joins the group and starts reading; resolves once the first stream is open. Rejects if the client cannot be loaded or the cluster reached. */
  async start(): Promise<void> {
    if (this.running) return;
    const { Consumer } = await loadKafkaClient();
    this.consumer = new Consumer({
      ...kafkaClientOptions(this.config.connection),
      groupId: this.config.groupId,
      // A member that stops heart-beating (SIGKILL) loses its partitions after this long.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
    });
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    try {
      stream = await joinedWithin(this.open(), REBALANCE_TIMEOUT_MS + this.config.connection.timeoutMs);
    } catch (error) {
      // Nothing joined: the next start() begins afresh, with a new client.
      await this.consumer.close(true).catch(() => {});
      this.consumer = undefined;
      throw error;
    }
    this.running = this.run(stream);
  }

  stats(): KafkaSourceStats {
    return { ...this.counters, in_flight: this.inFlight };
  }

  /**
   * Stops reading, lets the batch in the sink finish (its offsets are then committed), and leaves the
   * group so its partitions move to the other members at once. Records read but not accepted are
   * not committed: another member reads them again.
   */
  async close(): Promise<void> {
    if (this.closing) return this.running;
    this.closing = true;
    this.wake();
    await this.running?.catch(() => {});
    await this.consumer?.close(true).catch((error: unknown) => diag.warn(`otel-logkit: kafka source: leaving the group failed: ${(error as Error).message}`));
  }

  private async open(): Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> {
    const stream = await this.consumer!.consume({
      topics: [this.config.topic],
      autocommit: false,
      // From the group's committed offsets; a new group starts at the beginning of the topic.
      mode: 'committed',
      fallbackMode: 'earliest',
      // Few messages buffered ahead: backpressure reaches the broker quickly when the sink is slow.
      highWaterMark: 64,
      maxWaitTime: 500,
    });
    // Errors end the stream; run() opens a new one. The listener keeps them from being unhandled.
    stream.on('error', (error: Error) => {
      diag.debug(`otel-logkit: kafka source: stream ended: ${error.message}`);
      this.wake();
    });
    // A 'readable' listener for the stream's whole life keeps it in paused (pull) mode: the client
    // fetches only while a listener is attached, so removing it between batches would stop fetching.
    stream.on('readable', () => this.wake()).on('end', () => this.wake()).on('close', () => this.wake());
    return stream;
  }

  private async run(first: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined = first;
    let failures = 0;
    while (!this.closing) {
      try {
        stream ??= await this.open();
        failures = 0;
        await this.drain(stream);
      } catch (error) {
        diag.warn(`otel-logkit: kafka source: ${(error as Error).message}; reading again from the committed offsets`);
        await this.sleep(backoff(failures++));
      } finally {
        await stream?.close().catch(() => {});
      }
      stream = undefined;
      if (!this.closing) this.counters.restarts++;
    }
  }

  /** Reads batches until the stream ends (a rebalance, an error) or the source closes. */
  private async drain(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    while (!this.closing) {
      if (stream.destroyed) return;
      const batch = this.readAvailable(stream);
      if (batch.messages.length === 0) {
        await this.readable();
        continue;
      }
      await this.process(batch);
    }
  }

  /** What the stream has buffered, up to about `maxBatchRecords` records; decodes as it goes. */
  private readAvailable(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): { messages: Message[]; records: LogkitRecord[] } {
    const messages: Message[] = [];
    const records: LogkitRecord[] = [];
    // One decoder per batch: resources and scopes are interned within it, and dropped with it.
    const decoder = new OtlpProtobufDecoder();
    while (records.length < this.config.maxBatchRecords) {
      const message = stream.read() as Message | null;
      if (message === null) break;
      if (generationOf(message) !== this.consumer!.generationId) {
        // Fetched before a rebalance: the client reads again from the committed offsets now, so
        // handing it on would only duplicate it. Left uncommitted, it is read again by the owner.
        this.counters.stale++;
        continue;
      }
      messages.push(message);
      this.counters.messages++;
      try {
        const decoded = message.value ? decoder.decode(message.value) : [];
        for (const record of decoded) records.push(record);
      } catch (error) {
        this.counters.undecodable++;
        diag.warn(`otel-logkit: kafka source: message ${message.topic}/${message.partition}@${message.offset} is not OTLP protobuf (${(error as Error).message}); skipped`);
      }
    }
    this.counters.records += records.length;
    return { messages, records };
  }

  /** Hands the records to the sink until it accepts them, then commits the last offset of each partition. */
  private async process({ messages, records }: { messages: Message[]; records: LogkitRecord[] }): Promise<void> {
    if (records.length > 0) {
      this.inFlight = records.length;
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await this.sink(records);
            break;
          } catch (error) {
            this.counters.sink_failures++;
            diag.warn(`otel-logkit: kafka source: the sink refused ${records.length} records (${(error as Error).message}); offering them again`);
            // Closing: left uncommitted, so the group reads them again.
            if (this.closing) return;
            await this.sleep(backoff(attempt));
            if (this.closing) return;
          }
        }
      } finally {
        this.inFlight = 0;
      }
      this.counters.accepted += records.length;
    }
    const last = new Map<number, Message>();
    for (const message of messages) last.set(message.partition, message);
    const commits = await Promise.allSettled([...last.values()].map((message) => message.commit()));
    const refused = commits.filter((c) => c.status === 'rejected');
    if (refused.length > 0) {
      this.counters.commit_failures += refused.length;
      throw new Error(`the group refused an offset commit (${String((refused[0] as PromiseRejectedResult).reason?.message ?? refused[0])})`);
    }
  }

  /** Resolves when the stream has messages, ends, fails, or the source closes (see the listeners in `open`). */
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

/** The group generation the client stamped on a message when it fetched it. */
function generationOf(message: Message): number | undefined {
  return (message.metadata as { consumer?: { generationId?: number } }).consumer?.generationId;
}

function backoff(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
}
