import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answersHttp, makeDataDir, ProcessBackend, type BackendLifecycle } from './BackendLifecycle.js';
import { ensureInstalled } from './install.js';
import { freePort } from './ports.js';
import { readJsonLines } from './json-lines.js';

export interface KafkaCollectorBackend extends BackendLifecycle {
  /** Base URL of the OTLP/HTTP receiver, whose logs the kafkaexporter writes to `exportTopic`. */
  readonly otlpHttpUrl: string;
  /** What the kafkareceiver read from `receiveTopic`, as the file exporter wrote it: one OTLP JSON request per line. */
  readExported(): Promise<object[]>;
}

export interface KafkaCollectorTopics {
  /** Read by the kafkareceiver (encoding otlp_proto, from the earliest offset) into the file exporter. */
  receiveTopic: string;
  /** Written by the kafkaexporter (encoding otlp_proto) with what the OTLP receiver accepts. */
  exportTopic: string;
  groupId: string;
}

/**
 * Starts the Collector built by scripts/install-collector-kafka.sh (otlpreceiver, kafkareceiver,
 * kafkaexporter, fileexporter) with two pipelines: Kafka → file, and OTLP/HTTP → Kafka.
 *
 * @example
 * const collector = await startKafkaCollector(kafka.brokers, { receiveTopic: 'in', exportTopic: 'out', groupId: 'otelcol' });
 */
export async function startKafkaCollector(brokers: string, topics: KafkaCollectorTopics): Promise<KafkaCollectorBackend> {
  const binary = await ensureInstalled('collector-kafka');
  const dataDir = await makeDataDir('collector-kafka');
  const port = await freePort();
  const exportFile = join(dataDir, 'exported.jsonl');
  const configFile = join(dataDir, 'config.yaml');
  await writeFile(
    configFile,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      '  kafka:',
      `    brokers: [${brokers}]`,
      `    group_id: ${topics.groupId}`,
      '    initial_offset: earliest',
      '    logs:',
      `      topics: [${topics.receiveTopic}]`,
      '      encoding: otlp_proto',
      'exporters:',
      '  file:',
      `    path: ${exportFile}`,
      '    format: json',
      '    append: true',
      '    flush_interval: 100ms',
      '  kafka:',
      `    brokers: [${brokers}]`,
      '    logs:',
      `      topic: ${topics.exportTopic}`,
      '      encoding: otlp_proto',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    logs/from_kafka:',
      '      receivers: [kafka]',
      '      exporters: [file]',
      '    logs/to_kafka:',
      '      receivers: [otlp]',
      '      exporters: [kafka]',
      '',
    ].join('\n'),
  );
  const otlpHttpUrl = `http://127.0.0.1:${port}`;
  const backend = new ProcessBackend(
    dataDir,
    { name: 'collector-kafka', command: binary, args: [`--config=${configFile}`], logFile: join(dataDir, 'collector.log') },
    () => answersHttp(`${otlpHttpUrl}/v1/logs`),
    60_000,
  );
  await backend.start();
  return Object.assign(backend, { otlpHttpUrl, readExported: () => readJsonLines(exportFile) });
}
