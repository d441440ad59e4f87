import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answersHttp, makeDataDir, ProcessBackend, type BackendLifecycle } from './BackendLifecycle.js';
import { ensureInstalled } from './install.js';
import { freePort } from './ports.js';
import { readJsonLines } from './json-lines.js';

export interface CollectorBackend extends BackendLifecycle {
  /** Base URL of the OTLP/HTTP receiver; logs go to `${otlpHttpUrl}/v1/logs`. */
  readonly otlpHttpUrl: string;
  /** URL of the OTLP/gRPC receiver (`OTEL_EXPORTER_OTLP_ENDPOINT` with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`). */
  readonly otlpGrpcUrl: string;
  /**
   * Everything the file exporter has written so far: one OTLP JSON `ExportLogsServiceRequest`
   * object per line, in the order the collector exported them. Survives restarts (`append: true`).
   */
  readExported(): Promise<object[]>;
}

/**
 * Starts the OpenTelemetry Collector built by scripts/install-collector.sh: OTLP/HTTP receiver
 * (protobuf and JSON, gzip/zstd) and OTLP/gRPC receiver, each on a free loopback port, file exporter
 * writing OTLP JSON.
 *
 * @example
 * const collector = await startCollector();
 * await fetch(`${collector.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
 * const exported = await collector.readExported();
 * await collector.dispose();
 */
export async function startCollector(): Promise<CollectorBackend> {
  const binary = await ensureInstalled('collector');
  const dataDir = await makeDataDir('collector');
  const port = await freePort();
  const grpcPort = await freePort();
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
      '      grpc:',
      `        endpoint: 127.0.0.1:${grpcPort}`,
      'exporters:',
      '  file:',
      `    path: ${exportFile}`,
      '    format: json',
      '    append: true',
      '    flush_interval: 100ms',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    logs:',
      '      receivers: [otlp]',
      '      exporters: [file]',
      '',
    ].join('\n'),
  );
  const otlpHttpUrl = `http://127.0.0.1:${port}`;
  const backend = new ProcessBackend(
    dataDir,
    { name: 'collector', command: binary, args: [`--config=${configFile}`], logFile: join(dataDir, 'collector.log') },
    // GET on the logs path answers 405 once the receiver listens.
    () => answersHttp(`${otlpHttpUrl}/v1/logs`),
    30_000,
  );
  await backend.start();
  return Object.assign(backend, {
    otlpHttpUrl,
    otlpGrpcUrl: `http://127.0.0.1:${grpcPort}`,
    readExported: () => readJsonLines(exportFile),
  });
}

/**
 * The config of a Collector that forwards, as the otel-logkit collector's tests and benchmark run it:
 * OTLP/HTTP receiver on `port` → batch processor → otlphttp exporter (uncompressed) to `target`, the
 * base URL of the next OTLP/HTTP receiver (`/v1/logs` is appended by the exporter).
 */
export function forwardingCollectorConfig(port: number, target: string): string {
  return [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      http:',
    `        endpoint: 127.0.0.1:${port}`,
    'processors:',
    '  batch:',
    '    timeout: 100ms',
    'exporters:',
    '  otlphttp:',
    `    endpoint: ${target}`,
    '    compression: none',
    'service:',
    '  telemetry:',
    '    metrics:',
    '      level: none',
    '  pipelines:',
    '    logs:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [otlphttp]',
    '',
  ].join('\n');
}
