import type { LogkitRecord } from '../core/record.js';
import type { LogStage } from '../core/stage.js';
import type { PipelineStats } from '../core/stats.js';
import { SettingsReader, type Env } from '../core/env.js';
import { parseKafkaSourceConfig } from '../kafka/config.js';
import { KafkaSource } from '../kafka/source.js';
import type { AcceptanceGate } from './acceptance.js';

/**
 * The collector's second input: a Kafka consumer group (`OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS` set),
 * reading what the `kafka` destination or the Collector's kafkaexporter wrote. A batch is accepted on
 * the same terms as an HTTP request — room in every destination, nothing lost while writing, durable
 * before the answer — and only then are its offsets committed. A refusal (no room, a loss) rejects the
 * sink: the source offers the batch again later, so records may arrive twice (deduplicated downstream
 * by `log.record.uid` where the backend can, e.g. Elasticsearch `_id`), never not at all.
 * Undefined when no brokers are configured.
 */
export function createKafkaInput(env: Env, entry: LogStage, gate: AcceptanceGate, stats: PipelineStats): KafkaSource | undefined {
  const read = new SettingsReader(env);
  if (read.string('OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS') === undefined) return undefined;
  const source = new KafkaSource(parseKafkaSourceConfig(read), async (records: LogkitRecord[]) => {
    gate.admit(records.length, 0);
    const outcome = gate.measure(() => {
      for (const record of records) entry.write(record);
    });
    if (outcome.lost > 0) throw new Error(`${outcome.lost} of ${records.length} records could not be queued; the batch is read again`);
    await gate.durableNow();
  });
  stats.register('kafka_source', () => ({ ...source.stats() }), { gauges: ['in_flight'] });
  return source;
}
