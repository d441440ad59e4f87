import { importPeer, type OptionalPeer } from '../../src/core/optional-peer.js';

/**
 * The Kafka client library, loaded on first use: an application that never names `kafka` never
 * loads it (its module graph, schema registries included, is a cost at startup), and the CommonJS
 * build keeps loading without it. Chosen over kafkajs (no release since 2024): `@platformatic/kafka`
 * is pure TypeScript, actively released, supports Kafka 3.5-4.2, the idempotent producer, SASL
 * PLAIN/SCRAM and TLS, and manual per-message commits that are coalesced per partition.
 */
export type KafkaClient = typeof import('@platformatic/kafka');

/** An optional peer: installed by the applications that use Kafka, and only by them. */
export const KAFKA_PEER: OptionalPeer = { name: '@platformatic/kafka', purpose: 'Kafka (OTEL_LOGS_EXPORTER=kafka, the collector\'s Kafka input)' };

export const loadKafkaClient: () => Promise<KafkaClient> = importPeer(KAFKA_PEER, () => import('@platformatic/kafka'));
