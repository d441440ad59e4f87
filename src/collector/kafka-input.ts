import { kafkaBrokersEndpoint } from '../../exporters/kafka/connection.js';
import type { BackendHealth } from '../core/backend-health.js';
import { SettingsReader, type Env } from '../core/env.js';
import type { LogkitRecord } from '../core/record.js';
import type { PipelineStats } from '../core/stats.js';
import { parseKafkaSourceConfig } from '../kafka/config.js';
import { KafkaSource } from '../kafka/source.js';
import type { LogsReceiver } from './receiver.js';

/**
 * The collector's Kafka input (`OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS` set): a consumer-group member
 * reading what the `kafka` destination or the Collector's kafkaexporter wrote. Each batch is accepted
 * exactly as an HTTP or gRPC request is (the receiver's `acceptDecoded`: room in every destination,
 * nothing lost while writing, durable before it resolves), and only then are its offsets committed. A
 * refusal rejects the sink, so the source offers the batch again later: records may arrive twice
 * (deduplicated downstream by `log.record.uid` where the backend can), never not at all.
 * When the brokers cannot be reached, `health` warns once per outage. Undefined when no brokers are configured.
 */
export function createKafkaInput(env: Env, receiver: LogsReceiver, stats: PipelineStats, health?: BackendHealth): KafkaSource | undefined {
  const read = new SettingsReader(env);
  if (read.string('OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS') === undefined) return undefined;
  const config = parseKafkaSourceConfig(read);
  const sink = async (records: LogkitRecord[]): Promise<void> => {
    await receiver.acceptDecoded({ records, refused: 0 }, 0, 'kafka');
  };
  // Said once per outage, naming the brokers, like a destination that cannot reach its backend.
  const source = new KafkaSource(config, sink, health?.watch('kafka_source', kafkaBrokersEndpoint(config.connection.brokers)));
  stats.register('kafka_source', () => ({ ...source.stats() }), { gauges: ['in_flight', 'buffered'] });
  return source;
}
