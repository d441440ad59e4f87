import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { CORRELATION_ATTRIBUTES as A } from '../../core/attributes.js';
import { newId } from '../../core/ids.js';
import type { LogkitRecord } from '../../core/record.js';
import { compressRequest } from '../../../exporters/delivery/compress.js';
import type { Protocol, Verdict } from '../../../exporters/delivery/protocol.js';
import type { HttpSettings } from '../../../exporters/delivery/settings.js';
import { joinPath } from '../../../exporters/delivery/transport.js';
import type { ElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { targetName } from '../../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../../exporters/elasticsearch/protocol.js';
import { installIndexTemplate } from '../../../exporters/elasticsearch/template.js';
import type { LokiConfig } from '../../../exporters/loki/config.js';
import { LokiProtocol } from '../../../exporters/loki/protocol.js';
import type { OtlpExporterConfig } from '../../../exporters/otlp/config.js';
import { GrpcTransport } from '../../../exporters/otlp/grpc-transport.js';
import { OtlpGrpcProtocol } from '../../../exporters/otlp/grpc-protocol.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { httpCall, type HttpAnswer } from '../http-client.js';
import { readFromElasticsearch } from '../view/read-elasticsearch.js';
import { readFromLoki } from '../view/read-loki.js';
import type { ReadResult } from '../view/source.js';
import { answerTrouble, grpcRefusal } from '../../core/endpoint-fixes.js';
import { answerFailure, type BackendVariables, networkFailure, probeConnection } from './connection.js';
import { type Check, fail, ok } from './report.js';

export interface ProbeOptions {
  /** Write a test record and read it back (default); without it only read-only requests are made. */
  write: boolean;
  /** How long a written record may take to become readable (Loki's ingester, Elasticsearch's refresh). */
  readBackMs: number;
}

/** The service name of test records, so they can be told apart (and deleted) in the store. */
export const PROBE_SERVICE = 'otel-logkit-doctor';

/**
 * OTLP: the connection, then a POST of an empty `ExportLogsServiceRequest` in the configured protocol
 * and compression — what a receiver must accept without storing anything.
 */
export async function probeOtlp(config: OtlpExporterConfig, vars: BackendVariables): Promise<Check[]> {
  const checks = await probeConnection(config.endpoint, config.http, vars);
  if (checks.some((c) => !c.ok)) return checks;
  if (config.protocol === 'grpc') {
    checks.push(await probeOtlpGrpc(config, vars));
    return checks;
  }
  const protocol = new OtlpProtocol(config.protocol, config.compression);
  checks.push(await send('accepts logs', protocol, [], config.endpoint, config.http, vars, vars.notFound, (answer) => `an empty ${config.protocol} export request was accepted (HTTP ${answer.status})`));
  return checks;
}

/** OTLP/gRPC: an empty `ExportLogsServiceRequest` through the exporter's own gRPC transport; the answer is a gRPC status. */
async function probeOtlpGrpc(config: OtlpExporterConfig, vars: BackendVariables): Promise<Check> {
  const protocol = new OtlpGrpcProtocol();
  const transport = new GrpcTransport(config.endpoint, config.http, config.compression);
  try {
    const answer = await transport.send(protocol.encode([]));
    const verdict = protocol.classify(answer);
    if (verdict.kind === 'ok') return ok('accepts logs', 'an empty grpc export request was accepted (status OK)');
    const message = verdict.kind === 'partial' ? 'partial answer' : (verdict.message ?? verdict.reason);
    const refusal = grpcRefusal(answer.status);
    const trouble = answerTrouble(refusal?.httpStatus ?? 400, `gRPC ${refusal?.name ?? answer.status}: ${message}`, vars);
    return fail('accepts logs', `the gRPC export was refused: ${trouble.problem}`, trouble.fix);
  } catch (error) {
    return networkFailure('accepts logs', error, config.endpoint.host, vars);
  } finally {
    await transport.close();
  }
}

/** Loki: the connection, the query API with the credentials and tenant, then a test record pushed and read back. */
export async function probeLoki(config: LokiConfig, vars: BackendVariables, options: ProbeOptions): Promise<Check[]> {
  const checks = await probeConnection(config.endpoint, config.http, vars);
  if (checks.some((c) => !c.ok)) return checks;
  const headers: Record<string, string> = config.tenant !== undefined ? { 'X-Scope-OrgID': config.tenant } : {};
  const labels = await request('auth', joinPath(config.endpoint, `/loki/api/v1/labels?start=${(Date.now() - 300_000) * 1e6}`), config.http, { method: 'GET', headers }, vars);
  if ('check' in labels) return [...checks, labels.check];
  if (labels.answer.status !== 200) return [...checks, answerFailure('auth', labels.answer, vars, `${vars.endpoint} must be Loki's base URL (the query API is not under it)`)];
  checks.push(ok('auth', `the query API answered ${labels.answer.status}${config.tenant !== undefined ? ` for tenant ${config.tenant}` : ''}`));
  if (!options.write) return checks;
  const record = probeRecord();
  const written = await send('write', new LokiProtocol(config), [record], config.endpoint, config.http, vars, vars.notFound, (a) => `a test record was pushed (HTTP ${a.status}, ${config.encoding})`);
  checks.push(written);
  if (!written.ok) return checks;
  const fix = config.structuredMetadata
    ? 'check that Loki accepts structured metadata (allow_structured_metadata, Loki 3) and that its ingesters answer queries'
    : 'set OTEL_LOGKIT_LOKI_STRUCTURED_METADATA=true (Loki 3): without it records cannot be found by correlation id';
  checks.push(await readBack(record, options, fix, (id) => readFromLoki(config, id, { sinceMs: 3_600_000, limit: 10 })));
  return checks;
}

/** Elasticsearch/OpenSearch: the connection, the cluster with the credentials, then a test document bulk-written and searched for. */
export async function probeElasticsearch(config: ElasticsearchConfig, vars: BackendVariables, options: ProbeOptions): Promise<Check[]> {
  const checks = await probeConnection(config.endpoint, config.http, vars);
  if (checks.some((c) => !c.ok)) return checks;
  const base = new URL(config.endpoint.href);
  base.search = '';
  const info = await request('auth', base, config.http, { method: 'GET' }, vars);
  if ('check' in info) return [...checks, info.check];
  if (info.answer.status !== 200) return [...checks, answerFailure('auth', info.answer, vars)];
  checks.push(ok('auth', `cluster answered: ${clusterName(info.answer)}`));
  if (!options.write) return checks;
  const record = probeRecord();
  const target = targetName(config);
  // As the pipeline does at startup: the first document must not create the target without its template.
  if (config.bootstrapTemplate && !(await installIndexTemplate(config)).template) {
    return [...checks, fail('template', `the index template for ${target} was refused`, `check that the user of ${vars.auth} may manage index templates, or set OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE=false`)];
  }
  const written = await send('write', new ElasticsearchProtocol(config), [record], config.endpoint, config.http, vars, vars.notFound, () => `a test document was bulk-written to ${target} (${config.mapping} layout)`);
  checks.push(written);
  if (!written.ok) return checks;
  const fix = `check the mapping of ${target}: correlation.global_id must be searchable (a keyword or text field)`;
  checks.push(await readBack(record, options, fix, (id) => readFromElasticsearch(base, config.http, id, { index: target, sinceMs: 3_600_000, limit: 10 })));
  return checks;
}

/** A record as the pipeline would write it, findable by its own correlation id. */
function probeRecord(): LogkitRecord {
  const id = newId();
  const now = Date.now();
  const time: [number, number] = [Math.floor(now / 1000), (now % 1000) * 1e6];
  return {
    hrTime: time,
    hrTimeObserved: time,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: `otel-logkit doctor test record ${id}`,
    resource: resourceFromAttributes({ 'service.name': PROBE_SERVICE }),
    instrumentationScope: { name: PROBE_SERVICE },
    attributes: { [A.globalId]: id, [A.localId]: id, [A.sequence]: 1, [A.uid]: newId() },
    droppedAttributesCount: 0,
  };
}

/** Encodes `records` with the destination's own protocol, sends once, and reads the answer as the exporter would. */
async function send(
  name: string,
  protocol: Protocol,
  records: LogkitRecord[],
  endpoint: URL,
  http: HttpSettings,
  vars: BackendVariables,
  notFoundFix: string | undefined,
  success: (answer: HttpAnswer) => string,
): Promise<Check> {
  const wire = await compressRequest(protocol.encode(records));
  const result = await request(name, joinPath(endpoint, wire.path), http, { method: 'POST', headers: wire.headers, body: wire.body }, vars);
  if ('check' in result) return result.check;
  const verdict: Verdict = protocol.classify({ status: result.answer.status, headers: result.answer.headers, body: result.answer.body }, records);
  if (verdict.kind === 'ok') return ok(name, success(result.answer));
  if (result.answer.status >= 400) return answerFailure(name, result.answer, vars, notFoundFix);
  const message = verdict.kind === 'partial' ? verdict.deadLetter.map((d) => d.message ?? d.reason).join('; ') || 'retry asked' : (verdict.message ?? verdict.reason);
  return fail(name, `HTTP ${result.answer.status}, refused: ${message}`, `read the backend's reason above; the exporter would ${verdict.kind === 'retry' ? 'retry' : 'dead-letter'} such a batch`);
}

async function request(name: string, url: URL, http: HttpSettings, call: Parameters<typeof httpCall>[2], vars: BackendVariables): Promise<{ answer: HttpAnswer } | { check: Check }> {
  try {
    return { answer: await httpCall(url, http, call) };
  } catch (error) {
    return { check: networkFailure(name, error, url.host, vars) };
  }
}

/** Polls the view's own reader until the test record is found by its correlation id. */
async function readBack(record: LogkitRecord, options: ProbeOptions, fix: string, read: (id: string) => Promise<ReadResult>): Promise<Check> {
  const id = record.attributes[A.globalId] as string;
  const started = Date.now();
  let lastError: unknown;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    try {
      const found = await read(id);
      if (found.entries.length > 0) return ok('read back', `found by its correlation id after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - started + wait > options.readBackMs) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const why = lastError instanceof Error ? `the search failed: ${lastError.message}` : `not found by its correlation id within ${options.readBackMs / 1000} s`;
  return fail('read back', why, fix);
}

function clusterName(answer: HttpAnswer): string {
  try {
    const info = JSON.parse(answer.body.toString('utf8')) as { version?: { number?: string; distribution?: string } };
    const product = info.version?.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch';
    return info.version?.number ? `${product} ${info.version.number}` : `HTTP ${answer.status}`;
  } catch {
    return `HTTP ${answer.status}`;
  }
}
