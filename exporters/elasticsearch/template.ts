import { diag } from '@opentelemetry/api';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, WriteVerdict } from '../../src/core/stage.js';
import { HttpTransport } from '../delivery/transport.js';
import { untraced } from '../delivery/untraced.js';
import { type ElasticsearchConfig, targetName } from './config.js';

/**
 * A composable index template for exactly the target this destination writes to: it makes the target a
 * data stream where the cluster has no matching template (OpenSearch has none for `logs-*-*`), and
 * maps the time fields as `date_nanos` and ids and levels as keywords. Priority 250 puts it above the
 * built-in `logs` templates of Elasticsearch (100) for this one name only.
 */
export function indexTemplate(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>): Record<string, unknown> {
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
      mappings: {
        // Strings are identifiers far more often than prose in log attributes: keyword, not text + keyword.
        dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } }],
        properties,
      },
    },
    _meta: { managed_by: 'otel-logkit' },
  };
}

/**
 * Installs the template (POST `/_index_template/<name>`, accepted by Elasticsearch 8/9 and OpenSearch
 * 2/3), untraced like every export. Never throws. The endpoint's query is left out here: it is meant
 * for `_bulk` (`?pipeline=`), and Elasticsearch refuses a parameter an API does not know.
 */
export async function installIndexTemplate(config: ElasticsearchConfig): Promise<boolean> {
  const endpoint = new URL(config.endpoint.href);
  endpoint.search = '';
  const transport = new HttpTransport(endpoint, config.http, 1);
  const name = `otel-logkit-${targetName(config)}`;
  try {
    const response = await untraced(() => transport.send({
      path: `/_index_template/${name}`,
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(indexTemplate(config))),
    }));
    if (response.status >= 200 && response.status < 300) return true;
    diag.warn(`otel-logkit: elasticsearch: index template ${name} was refused (${response.status}): ${response.body.toString('utf8').slice(0, 300)}`);
  } catch (error) {
    diag.warn(`otel-logkit: elasticsearch: index template ${name} could not be installed: ${(error as Error).message}`);
  } finally {
    await transport.close().catch(() => {});
  }
  return false;
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
