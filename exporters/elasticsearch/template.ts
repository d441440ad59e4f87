import { diag } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, WriteVerdict } from '../../src/core/stage.js';
import { HttpTransport } from '../delivery/transport.js';
import { untraced } from '../delivery/untraced.js';
import type { WireResponse } from '../delivery/protocol.js';
import { type ElasticsearchConfig, targetName } from './config.js';
import { ismPolicy, ismPolicyId, retentionOf } from './retention.js';

/**
 * A composable index template for exactly the target this destination writes to: it makes the target a
 * data stream where the cluster has no matching template (OpenSearch has none for `logs-*-*`), and
 * maps the time fields as `date_nanos` and ids and levels as keywords. Priority 250 puts it above the
 * built-in `logs` templates of Elasticsearch (100) for this one name only.
 */
export function indexTemplate(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>, dataRetention?: string): Record<string, unknown> {
  const keyword = { type: 'keyword', ignore_above: 1024 };
  const properties: Record<string, unknown> =
    config.mapping === 'otel'
      ? {
          '@timestamp': { type: 'date_nanos' },
          observed_timestamp: { type: 'date_nanos' },
          severity_text: keyword,
          severity_number: { type: 'byte' },
          trace_id: keyword,
          span_id: keyword,
          event_name: keyword,
          body: { properties: { text: { type: 'text' } } },
        }
      : {
          '@timestamp': { type: 'date_nanos' },
          message: { type: 'text' },
          log: { properties: { level: keyword, logger: keyword } },
          trace: { properties: { id: keyword } },
          span: { properties: { id: keyword } },
        };
  return {
    index_patterns: [targetName(config)],
    ...(config.target.kind === 'data-stream' ? { data_stream: {} } : {}),
    priority: 250,
    template: {
      // Elasticsearch's data stream lifecycle (8.11+): backing indices older than this are deleted.
      ...(dataRetention === undefined ? {} : { lifecycle: { data_retention: dataRetention } }),
      mappings: {
        // Strings are identifiers far more often than prose in log attributes: keyword, not text + keyword.
        dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } }],
        properties,
      },
    },
    _meta: { managed_by: 'otel-logkit' },
  };
}

/** What the install did: the template, and the lifecycle (false too when none was asked for). */
export interface TemplateOutcome {
  template: boolean;
  lifecycle: boolean;
}

/**
 * Installs the template (POST `/_index_template/<name>`, accepted by Elasticsearch 8/9 and OpenSearch
 * 2/3), untraced like every export, and with `OTEL_LOGKIT_RETENTION` the target's lifecycle: on
 * Elasticsearch (told apart by the root endpoint's `version.distribution`) a data stream lifecycle in
 * the template and on the stream if it exists already; on OpenSearch an ISM policy attached to the
 * stream's backing indices, present and future. Never throws. The endpoint's query is left out here:
 * it is meant for `_bulk` (`?pipeline=`), and Elasticsearch refuses a parameter an API does not know.
 */
export async function installIndexTemplate(config: ElasticsearchConfig): Promise<TemplateOutcome> {
  const endpoint = new URL(config.endpoint.href);
  endpoint.search = '';
  const transport = new HttpTransport(endpoint, config.http, 1);
  const target = targetName(config);
  const name = `otel-logkit-${target}`;
  const call = (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) =>
    untraced(() => transport.send({ method, path, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) }));
  const outcome: TemplateOutcome = { template: false, lifecycle: false };
  try {
    const retention = retentionOf(config.retention, config.target.kind === 'index' ? config.target.index : config.target.dataset);
    if (retention !== undefined && config.target.kind === 'index') {
      diag.warn(`otel-logkit: elasticsearch: OTEL_LOGKIT_RETENTION applies to data streams; ${target} is a plain index and keeps its documents`);
    }
    const stream = retention !== undefined && config.target.kind === 'data-stream';
    const backend = stream ? await distribution(call) : undefined;
    if (backend === 'opensearch') outcome.lifecycle = await installIsmPolicy(call, target, retention!);
    const response = await call('POST', `/_index_template/${name}`, indexTemplate(config, backend === 'elasticsearch' ? retention : undefined));
    outcome.template = response.status >= 200 && response.status < 300;
    if (!outcome.template) {
      diag.warn(`otel-logkit: elasticsearch: index template ${name} was refused (${response.status}): ${response.body.toString('utf8').slice(0, 300)}`);
    } else if (backend === 'elasticsearch') {
      // The template's lifecycle reaches streams created from now on; one that exists gets it here (404: none yet).
      const existing = await call('PUT', `/_data_stream/${target}/_lifecycle`, { data_retention: retention });
      outcome.lifecycle = existing.status < 300 || existing.status === 404;
      if (!outcome.lifecycle) diag.warn(`otel-logkit: elasticsearch: the lifecycle of ${target} was refused (${existing.status}): ${existing.body.toString('utf8').slice(0, 300)}`);
    }
  } catch (error) {
    diag.warn(`otel-logkit: elasticsearch: index template ${name} could not be installed: ${(error as Error).message}`);
  } finally {
    await transport.close().catch(() => {});
  }
  return outcome;
}

type Call = (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) => Promise<WireResponse>;

/** `opensearch` when the root endpoint says so (`version.distribution`), else `elasticsearch`. */
async function distribution(call: Call): Promise<'elasticsearch' | 'opensearch'> {
  const root = await call('GET', '/');
  try {
    const info = JSON.parse(root.body.toString('utf8')) as { version?: { distribution?: string } };
    return info.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  } catch {
    return 'elasticsearch';
  }
}

/**
 * Creates (or updates, with the sequence number ISM asks for) the stream's policy, then attaches it to
 * the backing indices that exist already; its `ism_template` covers those to come.
 */
async function installIsmPolicy(call: Call, stream: string, retention: string): Promise<boolean> {
  const path = `/_plugins/_ism/policies/${ismPolicyId(stream)}`;
  const current = await call('GET', path);
  let query = '';
  if (current.status === 200) {
    const { _seq_no: seqNo, _primary_term: primaryTerm } = JSON.parse(current.body.toString('utf8')) as { _seq_no: number; _primary_term: number };
    query = `?if_seq_no=${seqNo}&if_primary_term=${primaryTerm}`;
  } else if (current.status !== 404) {
    diag.warn(`otel-logkit: elasticsearch: no ISM policy for ${stream} (${current.status}; is the index management plugin installed?): ${current.body.toString('utf8').slice(0, 300)}`);
    return false;
  }
  const put = await call('PUT', `${path}${query}`, ismPolicy(stream, retention));
  if (put.status >= 300) {
    diag.warn(`otel-logkit: elasticsearch: the ISM policy for ${stream} was refused (${put.status}): ${put.body.toString('utf8').slice(0, 300)}`);
    return false;
  }
  // Indices already managed (by this policy or another) are left as they are; ISM reports them as failures.
  await call('POST', `/_plugins/_ism/add/.ds-${stream}-*`, { policy_id: ismPolicyId(stream) });
  return true;
}

/**
 * Holds records until the template is installed (or refused), so the first document cannot create the
 * index without it. Bounded: past `maxHeld` records, or once `ready` settles, records pass straight on.
 */
export class AfterTemplateStage implements LogStage {
  private held: LogkitRecord[] | undefined = [];

  constructor(
    private readonly next: LogStage,
    private readonly ready: Promise<unknown>,
    private readonly maxHeld: number,
  ) {
    void ready.finally(() => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const record of held) next.write(record);
    });
  }

  write(record: LogkitRecord): WriteVerdict {
    if (this.held === undefined || this.held.length >= this.maxHeld) return this.next.write(record);
    this.held.push(record);
    return 'taken';
  }

  async forceFlush(): Promise<void> {
    await this.ready.catch(() => {});
    await this.next.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.ready.catch(() => {});
    await this.next.shutdown();
  }
}
