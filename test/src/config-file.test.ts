import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../../exporters/registry.js';
import { ConfigError, createLogPipeline, resolveConfig } from '../../src/index.js';
import { LoopbackReceiver, text } from '../exporters/receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'logkit-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** Writes a configuration file and returns its path. */
function configFile(yaml: string): string {
  const path = join(dir, `otel-${n++}.yaml`);
  writeFileSync(path, yaml);
  return path;
}
function resolveFile(yaml: string, env: Record<string, string> = {}, options: Parameters<typeof resolveConfig>[0] = {}) {
  return resolveConfig({ env: { OTEL_CONFIG_FILE: configFile(yaml), ...env }, ...options });
}
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const FULL = `
file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: checkout
    - name: replicas
      value: 3
      type: int
    - name: regions
      value: [eu, us]
      type: string_array
  attributes_list: service.name=ignored,team=payments
attribute_limits:
  attribute_count_limit: 64
logger_provider:
  processors:
    - batch:
        schedule_delay: 200
        export_timeout: 0
        max_queue_size: 4096
        max_export_batch_size: 256
        exporter:
          otlp_http:
            endpoint: \${COLLECTOR:-http://collector:4318}/v1/logs
            headers:
              - name: x-tenant
                value: \${TENANT}
            headers_list: x-tenant=from-list,x-extra=1
            compression: gzip
            timeout: 5000
            encoding: json
    - batch:
        schedule_delay: 200
        export_timeout: 0
        max_queue_size: 4096
        max_export_batch_size: 256
        exporter:
          console:
  limits:
    attribute_value_length_limit: 1024
  logger_configurator/development:
    default_config:
      minimum_severity: warn
    loggers:
      - name: billing.*
        config:
          minimum_severity: debug
otel_logkit:
  redaction:
    keys: [x-session]
  delivery:
    spoolDir: \${SPOOL_DIR}
    maxInFlight: 2
`;

describe('OTEL_CONFIG_FILE: the OTel declarative configuration file', () => {
  it('maps resource, limits, processors, exporters, logger configurator and the otel_logkit section onto the pipeline', () => {
    const config = resolveFile(FULL, { TENANT: 'acme', SPOOL_DIR: '/var/spool/app' });
    expect(config.resource.attributes).toEqual({ 'service.name': 'checkout', replicas: 3, regions: ['eu', 'us'], team: 'payments' });
    expect(config.limits).toMatchObject({ attributeCountLimit: 64, attributeValueLengthLimit: 1024 });
    expect(config.exporters).toEqual(['otlp', 'console']);
    expect(config.delivery.otlp).toMatchObject({ protocol: 'http/json', compression: 'gzip' });
    expect(config.delivery.otlp!.endpoint.href).toBe('http://collector:4318/v1/logs');
    expect(config.delivery.otlp!.http).toMatchObject({ timeoutMs: 5000, headers: { 'x-tenant': 'acme', 'x-extra': '1' } });
    expect(config.delivery.settings.batch).toMatchObject({ delayMs: 200, maxQueueRecords: 4096, maxRecords: 256, maxInFlight: 2 });
    expect(config.delivery.settings.flushTimeoutMs).toBe(2_147_483_647);
    expect(config.delivery.settings.spoolDir).toBe('/var/spool/app');
    expect(config.sampling.rules.level).toBe(SeverityNumber.WARN);
    expect(config.sampling.rules.levels).toEqual({ 'billing.*': SeverityNumber.DEBUG });
    expect(config.redaction.blockedKeys).toContain('x-session');
  });

  it('wins over the other OTEL_* variables, which count only through substitution; code options win over the file', () => {
    const yaml = `
file_format: "1.0"
logger_provider:
  processors:
    - simple:
        exporter:
          otlp_http:
            endpoint: \${OTEL_EXPORTER_OTLP_ENDPOINT}/custom
`;
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://from-env:4318', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://ignored:1', OTEL_SERVICE_NAME: 'ignored', OTEL_LOGS_EXPORTER: 'loki', OTEL_BLRP_MAX_QUEUE_SIZE: 'not a number' };
    const config = resolveFile(yaml, env);
    expect(config.delivery.otlp!.endpoint.href).toBe('http://from-env:4318/custom');
    expect(config.resource.serviceName).toBeUndefined();
    expect(config.exporters).toEqual(['otlp']);
    expect(config.delivery.settings.batch.delayMs).toBe(0);
    const overridden = resolveFile(yaml, env, { serviceName: 'from-code', delivery: { otlp: { endpoint: 'http://from-code:4318/v1/logs' } } });
    expect(overridden.delivery.otlp!.endpoint.href).toBe('http://from-code:4318/v1/logs');
    expect(overridden.resource.serviceName).toBe('from-code');
  });

  it('substitutes ${VAR}, ${env:VAR} and ${VAR:-default} in values only, types plain values after substitution, and reads $$ as $', () => {
    const yaml = `
file_format: "1.0"
resource:
  attributes:
    - name: plain
      value: \${PORT}
      type: int
    - { name: quoted, value: "\${PORT}" }
    - { name: env-prefix, value: "\${env:NAME}" }
    - { name: defaulted, value: "\${UNSET:-fallback}" }
    - { name: empty-defaulted, value: "\${EMPTY:-fallback}" }
    - { name: escaped, value: "cost $$5 and $\${NAME}" }
    - name: key
      value: key-not-substituted
otel_logkit:
  enrichment:
    componentTags:
      \${NAME}: ['#kept-as-written']
`;
    const config = resolveFile(yaml, { PORT: '4318', NAME: 'svc', EMPTY: '' });
    expect(config.resource.attributes).toEqual({
      plain: 4318,
      quoted: '4318',
      'env-prefix': 'svc',
      defaulted: 'fallback',
      'empty-defaulted': 'fallback',
      escaped: 'cost $5 and ${NAME}',
      key: 'key-not-substituted',
    });
    expect(config.enrichment.componentTags.map((rule) => rule.pattern)).toEqual(['${NAME}']);
  });

  it('errors name the YAML path, the value and the accepted form', () => {
    const processor = (exporter: string) => `file_format: "1.0"\nlogger_provider:\n  processors:\n    - batch:\n        exporter:\n${exporter}`;
    const endpoint = errorOf(() => resolveFile(processor('          otlp_http:\n            endpoint: ftp://collector\n')));
    expect(endpoint.setting).toBe('OTEL_CONFIG_FILE:logger_provider.processors[0].batch.exporter.otlp_http.endpoint');
    expect(endpoint.message).toContain('ftp://collector: expected an absolute http:// or https:// URL');

    const grpc = errorOf(() => resolveFile(processor('          otlp_grpc:\n            endpoint: http://collector:4317\n')));
    expect(grpc.setting).toBe('OTEL_CONFIG_FILE:logger_provider.processors[0].batch.exporter.otlp_grpc');
    expect(grpc.expected).toContain('otlp_grpc is not supported');

    const reference = errorOf(() => resolveFile('file_format: "1.0"\nresource:\n  attributes:\n    - { name: a, value: "${1BAD}" }\n'));
    expect(reference.setting).toBe('OTEL_CONFIG_FILE:resource.attributes[0].value');

    const unknown = errorOf(() => resolveFile('file_format: "1.0"\notel_logkit:\n  delivery:\n    spool_dir: /tmp/x\n'));
    expect(unknown.setting).toBe('OTEL_CONFIG_FILE:otel_logkit.delivery.spool_dir');
    expect(unknown.expected).toContain('spoolDir');

    const level = errorOf(() => resolveFile('file_format: "1.0"\notel_logkit:\n  sampling:\n    level: loud\n'));
    expect(level.setting).toBe('OTEL_CONFIG_FILE:otel_logkit.sampling.level');
    expect(level.expected).toContain('a severity name');

    const batch = errorOf(() => resolveFile(processor('          console:\n').replace('    - batch:\n', '    - batch:\n        max_export_batch_size: 0\n')));
    expect(batch.setting).toBe('OTEL_CONFIG_FILE:logger_provider.processors[0].batch.max_export_batch_size');

    expect(errorOf(() => resolveFile('resource: {}\n')).setting).toBe('OTEL_CONFIG_FILE:file_format');
    expect(errorOf(() => resolveFile('file_format: "2.0"\n')).expected).toContain('1.x');
    expect(errorOf(() => resolveConfig({ env: { OTEL_CONFIG_FILE: join(dir, 'missing.yaml') } })).setting).toBe('OTEL_CONFIG_FILE');
  });

  it('objects given in code next to the file (an exporter with private state) reach the pipeline as they are', async () => {
    class PrivateExporter {
      #bodies: unknown[] = [];
      get bodies() {
        return this.#bodies;
      }
      export(records: { body?: unknown }[], done: (r: { code: number }) => void) {
        for (const r of records) this.#bodies.push(r.body);
        done({ code: 0 });
      }
      async forceFlush() {}
      async shutdown() {}
    }
    const exporter = new PrivateExporter();
    const pipeline = createLogPipeline({ env: { OTEL_CONFIG_FILE: configFile('file_format: "1.0"\n') }, exporter: exporter as never, delivery: { scheduleDelayMs: 1 } });
    const provider = new LoggerProvider({ processors: pipeline.processors });
    provider.getLogger('code').emit({ severityNumber: SeverityNumber.INFO, body: 'to the exporter given in code' });
    await provider.shutdown();
    expect(exporter.bodies).toEqual(['to the exporter given in code']);
  });

  it('disabled: true in the file turns the pipeline off, whatever OTEL_SDK_DISABLED says', () => {
    const pipeline = createLogPipeline({ env: { OTEL_CONFIG_FILE: configFile('file_format: "1.0"\ndisabled: true\n'), OTEL_SDK_DISABLED: 'false' } });
    expect(pipeline.config.disabled).toBe(true);
    expect(pipeline.processors).toEqual([]);
  });

  it('a pipeline configured only by the file delivers to the otlp_http exporter it names', async () => {
    const receiver = await LoopbackReceiver.start();
    receivers.push(receiver);
    const yaml = `
file_format: "1.0"
resource:
  attributes:
    - { name: service.name, value: from-file }
logger_provider:
  processors:
    - batch:
        schedule_delay: 5
        exporter:
          otlp_http:
            endpoint: \${RECEIVER}
            encoding: json
            headers:
              - { name: authorization, value: "Bearer \${TOKEN}" }
`;
    const pipeline = createLogPipeline({ env: { OTEL_CONFIG_FILE: configFile(yaml), RECEIVER: receiver.url, TOKEN: 't0k3n' } });
    const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    provider.getLogger('file-configured').emit({ severityNumber: SeverityNumber.INFO, body: 'configured by file' });
    await provider.shutdown();
    expect(receiver.records.map((r) => text(r.body))).toEqual(['configured by file']);
    expect(receiver.received[0]!.headers.authorization).toBe('Bearer t0k3n');
    expect(receiver.received[0]!.headers['content-type']).toBe('application/json');
    const service = receiver.received[0]!.request.resourceLogs![0]!.resource!.attributes!.find((a) => a.key === 'service.name');
    expect(text(service?.value)).toBe('from-file');
  });
});

describe('OTEL_CONFIG_FILE: otel_logkit.delivery.<name>, for every destination of the registry', () => {
  const logkit = (delivery: string) => `file_format: "1.0"\notel_logkit:\n  delivery:\n${delivery}`;

  for (const destination of DESTINATIONS) {
    const accepted = Object.entries(destination.optionKeys as Record<string, 0 | 1>).flatMap(([key, inFile]) => (inFile === 1 ? [key] : []));

    it(`delivery.${destination.name} takes its settings, and an unknown key is refused naming the path and every accepted key`, () => {
      const section = accepted.length > 0 ? `    ${destination.name}:\n      ${accepted[0]}: x\n` : `    ${destination.name}: {}\n`;
      expect(() => resolveFile(logkit(section))).not.toThrow();

      const unknown = errorOf(() => resolveFile(logkit(`    ${destination.name}:\n      not_a_setting: 1\n`)));
      expect(unknown.setting).toBe(`OTEL_CONFIG_FILE:otel_logkit.delivery.${destination.name}.not_a_setting`);
      expect(unknown.expected).toBe(`one of ${accepted.join(', ') || '(no settings)'}`);
    });
  }

  it('a destination configured only in the file gets the file\'s settings, as it would from its variables (kafka topic)', () => {
    const config = resolveFile('file_format: "1.0"\notel_logkit:\n  exporters: [kafka]\n  delivery:\n    kafka:\n      topic: logs\n      brokers: [kafka-1:9092]\n');
    expect(config.delivery.kafka).toMatchObject({ topic: 'logs', connection: { brokers: ['kafka-1:9092'] } });
  });
});
