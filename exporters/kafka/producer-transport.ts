import type { Producer } from '@platformatic/kafka';
import { endpointName } from '../../src/core/backend-health.js';
import { LogkitError } from '../../src/core/errors.js';
import type { WireRequest } from '../delivery/protocol.js';
import type { Transport, TransportVerdict } from '../delivery/transport.js';
import { loadKafkaClient } from './client.js';
import { kafkaBrokersEndpoint, kafkaClientOptions, kafkaErrorHasCode, type KafkaConnection } from './connection.js';

export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** Kafka errors that no retry can fix. */
const TOO_LARGE = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'];
const FORBIDDEN = ['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'];
const INVALID = ['INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION', 'INVALID_REQUIRED_ACKS', 'UNSUPPORTED_COMPRESSION_TYPE', 'UNSUPPORTED_FOR_MESSAGE_FORMAT'];

/**
 * The Kafka destination's producer, as the delivery core's {@link Transport}: one `send` produces
 * the request's keyed parts (one OTLP message per key, see protocol.ts) to the topic named by its
 * path, with the idempotent producer and `acks=all`, and resolves once the cluster has them. Kafka's
 * outcomes are answered as the core's verdicts, so spool, retries, dead-letter and stats apply as for
 * every destination:
 *
 * | Kafka outcome                                              | verdict                    |
 * |------------------------------------------------------------|----------------------------|
 * | every message acknowledged by all in-sync replicas         | `ok`                       |
 * | MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE                   | `split` (too_large)        |
 * | authorization or SASL authentication failed                | `dead-letter` (refused, denied) |
 * | invalid or corrupt record, invalid topic                   | `dead-letter` (refused)    |
 * | anything else: broker down, timeout, no leader, not enough replicas, unknown topic | rejects: `retry` |
 *
 * A retry by the core after a partial failure may write some messages twice: consumers deduplicate
 * by `log.record.uid` (at-least-once). The client's own retries keep the idempotent sequence, so
 * they never duplicate.
 */
export class KafkaProducerTransport implements Transport {
  private producer: Promise<Producer> | undefined;
  private closed = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly compression: KafkaCompression,
  ) {}

  async send(request: WireRequest): Promise<TransportVerdict> {
    if (this.closed) throw new LogkitError('LOGKIT_SHUTDOWN', 'kafka: the producer is closed');
    const producer = await this.start();
    const parts = request.parts ?? [{ body: request.body }];
    const messages = parts.map(({ key, body }) => {
      const value = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return key === undefined ? { topic: request.path, value } : { topic: request.path, key: Buffer.from(key, 'utf8'), value };
    });
    try {
      await producer.send({ messages });
      return DELIVERED;
    } catch (error) {
      const refused = kafkaRefusal(error as Error);
      if (refused) return refused;
      throw failure(error as Error, this.connection);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = await this.producer?.catch(() => undefined);
    await producer?.close(true).catch(() => {});
  }

  private start(): Promise<Producer> {
    this.producer ??= loadKafkaClient().then(
      ({ Producer, ProduceAcks, compatibilityPartitioner }) =>
        new Producer({
          ...kafkaClientOptions(this.connection),
          idempotent: true,
          acks: ProduceAcks.ALL,
          compression: this.compression,
          // The Java client's murmur2 partitioning: a key lands where other producers put it.
          partitioner: compatibilityPartitioner,
          retries: 3,
          retryDelay: 250,
        }),
      (cause: unknown) => {
        this.producer = undefined;
        // Counted as a failed attempt like any other; the message carries the install line.
        throw new LogkitError('LOGKIT_EXPORT_FAILED', `kafka: ${(cause as Error).message}`, { cause });
      },
    );
    return this.producer;
  }
}

const DELIVERED: TransportVerdict = { verdict: { kind: 'ok' } };

/** A refusal no retry can fix, as its verdict; undefined for anything retryable. */
export function kafkaRefusal(error: Error): TransportVerdict | undefined {
  const id = kafkaErrorIds(error);
  const message = describe(error);
  if (id.some((i) => TOO_LARGE.includes(i))) return { verdict: { kind: 'split', reason: 'too_large', message } };
  if (id.some((i) => FORBIDDEN.includes(i)) || kafkaErrorHasCode(error, 'PLT_KFK_AUTHENTICATION')) return { verdict: { kind: 'dead-letter', reason: 'refused', message }, denied: true };
  if (id.some((i) => INVALID.includes(i))) return { verdict: { kind: 'dead-letter', reason: 'refused', message } };
  return undefined;
}

/** A retryable failure, typed so the core counts it as `timeout` or `network`. Only broker addresses are named. */
function failure(error: Error, connection: KafkaConnection): LogkitError {
  const code = kafkaErrorHasCode(error, 'PLT_KFK_TIMEOUT') ? 'LOGKIT_EXPORT_TIMEOUT' : 'LOGKIT_EXPORT_FAILED';
  return new LogkitError(code, `${endpointName(kafkaBrokersEndpoint(connection.brokers))}: ${describe(error)}`, { cause: error });
}

/** The Kafka protocol error ids (`MESSAGE_TOO_LARGE`, …) anywhere in an error and its nested errors. */
function kafkaErrorIds(error: unknown, out: string[] = [], depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return out;
  const { apiId, errors, cause } = error as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (typeof apiId === 'string') out.push(apiId);
  if (Array.isArray(errors)) for (const inner of errors) kafkaErrorIds(inner, out, depth + 1);
  if (cause) kafkaErrorIds(cause, out, depth + 1);
  return out;
}

/** The error and its first nested cause, for diagnostics and the dead-letter file. */
function describe(error: Error): string {
  const ids = kafkaErrorIds(error);
  const inner = (error as { errors?: unknown[] }).errors?.[0];
  const detail = inner instanceof Error ? `: ${inner.message}` : '';
  return `${ids.length > 0 ? `${[...new Set(ids)].join(', ')}: ` : ''}${error.message}${detail}`;
}
