import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type LogkitConfig, resolveConfig } from '../../config.js';
import { ConfigError } from '../../core/errors.js';
import { parseDuration } from '../view/command.js';
import { probeDirectory } from './directories.js';
import { probeElasticsearch, probeLoki, probeOtlp, type ProbeOptions } from './probes.js';
import { elasticsearchConfigForRoute } from '../../../exporters/elasticsearch/index.js';
import { connectionVariables } from '../../../exporters/delivery/connection.js';
import { ELASTICSEARCH_NOT_FOUND } from '../../../exporters/elasticsearch/config.js';
import { bareUrl } from '../../../exporters/links.js';
import { LOKI_NOT_FOUND } from '../../../exporters/loki/config.js';
import { otlpEndpointVariables } from '../../../exporters/otlp/endpoint-variables.js';
import { lokiConfigForRoute } from '../../../exporters/loki/index.js';
import { fail, hasProblems, ok, renderReport, type Section } from './report.js';

const USAGE = `usage: otel-logkit doctor [--no-write] [--read-back <duration>]

Reads the configuration as the library does (the same OTEL_* variables), probes every configured
destination — reachable, TLS handshake, credentials, and a test record written and read back where
the backend allows it (Loki, Elasticsearch/OpenSearch; OTLP gets an empty export request) — checks
that the spool and dead-letter directories are writable, and prints the fix for each problem.
Exit code 0 only when all is well.

options:
  --no-write               make read-only requests only: no test record is written
  --read-back <duration>   how long a test record may take to become searchable (default 15s)
`;

export interface DoctorIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/**
 * `otel-logkit doctor`: what a platform engineer runs in the pod before blaming the library. Test
 * records carry `service.name=otel-logkit-doctor`. Exit code 0 when every check passed, 1 when one
 * failed (the configuration included), 2 on a usage error.
 *
 * @example
 * // kubectl exec deploy/checkout -- npx otel-logkit doctor
 */
export async function runDoctorCommand(args: string[], io: DoctorIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args, options: { 'no-write': { type: 'boolean', default: false }, 'read-back': { type: 'string', default: '15s' }, help: { type: 'boolean', short: 'h', default: false } } }).values;
  } catch (error) {
    io.stderr.write(`otel-logkit doctor: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const readBackMs = parseDuration(values['read-back']);
  if (readBackMs === undefined) {
    io.stderr.write(`otel-logkit doctor: --read-back ${values['read-back']}: expected a number and a unit s, m or h, e.g. 15s\n`);
    return 2;
  }
  const sections = await diagnose(io.env, { write: !values['no-write'], readBackMs });
  io.stdout.write(renderReport(sections, io.stdout.isTTY === true && !io.env.NO_COLOR));
  return hasProblems(sections) ? 1 : 0;
}

/** Every check, in report order. Never throws: a failure is a failed check. */
export async function diagnose(env: NodeJS.ProcessEnv, options: ProbeOptions): Promise<Section[]> {
  let config: LogkitConfig;
  try {
    config = resolveConfig({ env });
  } catch (error) {
    const check =
      error instanceof ConfigError
        ? fail('valid', error.message, `set ${error.setting} to ${error.expected}`)
        : fail('valid', error instanceof Error ? error.message : String(error), 'correct the setting named above');
    return [{ title: 'configuration', checks: [check] }];
  }
  const { delivery } = config;
  const settings = delivery.settings;
  const summary = [
    `exporters ${config.exporters.join(', ') || 'none'}`,
    delivery.routing.rules.length > 0 ? `${delivery.routing.rules.length} route(s)` : undefined,
    settings.spoolDir ? `spool ${settings.spoolDir}` : 'no spool',
    settings.deadLetterDir ? `dead-letter ${settings.deadLetterDir}` : 'no dead-letter directory',
  ].filter(Boolean);
  const configuration: Section = {
    title: 'configuration',
    checks: [ok('valid', config.disabled ? 'OTEL_SDK_DISABLED=true: the pipeline is off and sends nothing' : summary.join('; '))],
  };
  const probes: Promise<Section>[] = [];
  if (delivery.otlp) {
    const otlp = delivery.otlp;
    probes.push(probeOtlp(otlp, otlpEndpointVariables(otlp)).then((checks) => ({ title: 'otlp', target: bareUrl(otlp.endpoint), checks })));
  }
  // A route target with settings of its own (`loki(tenant=security)`) is a destination of its own: probed as such.
  const routed = new Map(delivery.routing.rules.flatMap((rule) => rule.targets.filter((t) => Object.keys(t.options).length > 0).map((t) => [t.key, t] as const)));
  const lokiVars = connectionVariables('OTEL_LOGKIT_LOKI', 'Loki', 'BEARER_TOKEN', LOKI_NOT_FOUND);
  const esVars = connectionVariables('OTEL_LOGKIT_ELASTICSEARCH', 'Elasticsearch/OpenSearch', 'API_KEY', ELASTICSEARCH_NOT_FOUND);
  const title = (name: string, route?: { options: Readonly<Record<string, string>> }) =>
    route ? `${name}(${Object.entries(route.options).map(([k, v]) => `${k}=${v}`).join(', ')})` : name;
  if (delivery.loki) {
    const base = delivery.loki;
    for (const route of [undefined, ...[...routed.values()].filter((t) => t.exporter === 'loki')]) {
      const loki = route ? lokiConfigForRoute(base, route.options) : base;
      probes.push(probeLoki(loki, lokiVars, options).then((checks) => ({ title: title('loki', route), target: bareUrl(loki.endpoint), checks })));
    }
  }
  if (delivery.elasticsearch) {
    const base = delivery.elasticsearch;
    for (const route of [undefined, ...[...routed.values()].filter((t) => t.exporter === 'elasticsearch')]) {
      const es = route ? elasticsearchConfigForRoute(base, route.options) : base;
      probes.push(probeElasticsearch(es, esVars, options).then((checks) => ({ title: title('elasticsearch', route), target: bareUrl(es.endpoint), checks })));
    }
  }
  if (delivery.file) {
    const dir = delivery.file.dir;
    probes.push(probeDirectory(dir, 'OTEL_LOGKIT_FILE_DIR').then((check) => ({ title: 'file', target: dir, checks: [check] })));
  }
  if (delivery.console) probes.push(Promise.resolve({ title: 'console', checks: [ok('ready', 'writes to this process’s standard output; nothing to probe')] }));
  if (settings.spoolDir) {
    const dir = settings.spoolDir;
    probes.push(probeDirectory(dir, 'OTEL_LOGKIT_SPOOL_DIR').then((check) => ({ title: 'spool', target: dir, checks: [check] })));
  }
  if (settings.deadLetterDir) {
    const dir = settings.deadLetterDir;
    probes.push(probeDirectory(dir, 'OTEL_LOGKIT_DEAD_LETTER_DIR').then((check) => ({ title: 'dead-letter', target: dir, checks: [check] })));
  }
  return [configuration, ...(await Promise.all(probes))];
}
