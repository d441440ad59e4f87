import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor, RouteTarget } from '../delivery/descriptor.js';
import { connectionVariables } from '../delivery/connection.js';
import { createHttpDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { ELASTICSEARCH_NOT_FOUND, ELASTICSEARCH_OPTION_KEYS, checkIndex, checkPart, type ElasticsearchConfig, type ElasticsearchOptions, parseElasticsearchConfig } from './config.js';
import { ElasticsearchProtocol } from './protocol.js';
import { AfterTemplateStage, installIndexTemplate } from './template.js';

const ELASTICSEARCH_VARIABLES = connectionVariables('OTEL_LOGKIT_ELASTICSEARCH', 'Elasticsearch/OpenSearch', 'API_KEY', ELASTICSEARCH_NOT_FOUND);

/**
 * `OTEL_LOGS_EXPORTER=elasticsearch`: `_bulk` into Elasticsearch or OpenSearch through the shared
 * delivery core. A route target such as `elasticsearch(dataset=audit)` is its own destination (own
 * queue, spool subdirectory, retry state) writing to its own data stream or index.
 */
export function createElasticsearchDestination(config: ElasticsearchConfig, delivery: DeliverySettings, ctx: StageContext, route?: RouteTarget): LogStage {
  const name = route?.key ?? 'elasticsearch';
  const effective = route ? elasticsearchConfigForRoute(config, route.options) : config;
  const protocol = new ElasticsearchProtocol(effective);
  let templateInstalled = 0;
  let lifecycleInstalled = 0;
  ctx.stats.register(`${name}_bulk`, () => ({ ...protocol.stats.read(), template_installed: templateInstalled, lifecycle_installed: lifecycleInstalled }), {
    gauges: ['template_installed', 'lifecycle_installed'],
  });
  const stage = createHttpDestination({ name, protocol, endpoint: config.endpoint, http: config.http, delivery, variables: ELASTICSEARCH_VARIABLES }, ctx);
  if (!effective.bootstrapTemplate) return stage;
  const ready = installIndexTemplate(effective).then((outcome) => {
    templateInstalled = outcome.template ? 1 : 0;
    lifecycleInstalled = outcome.lifecycle ? 1 : 0;
  });
  return new AfterTemplateStage(stage, ready, delivery.batch.maxQueueRecords);
}

/** `index=…` writes to that index; `dataset=…`/`namespace=…` to that data stream (the other part from the base config). */
export function elasticsearchConfigForRoute(config: ElasticsearchConfig, options: Readonly<Record<string, string>>): ElasticsearchConfig {
  if (options.index !== undefined) return { ...config, target: { kind: 'index', index: options.index } };
  const base = config.target.kind === 'data-stream' ? config.target : { dataset: 'generic', namespace: 'default' };
  return { ...config, target: { kind: 'data-stream', dataset: options.dataset ?? base.dataset, namespace: options.namespace ?? base.namespace } };
}

/** A route may write to its own data stream (`dataset`, `namespace`) or to a plain `index`, not both. */
function checkElasticsearchRouteOptions(options: Readonly<Record<string, string>>): string | undefined {
  for (const key of Object.keys(options)) {
    if (key !== 'dataset' && key !== 'namespace' && key !== 'index') return `elasticsearch takes dataset, namespace or index, not "${key}"`;
  }
  if (options.index !== undefined && (options.dataset !== undefined || options.namespace !== undefined)) return 'elasticsearch takes an index or a dataset/namespace, not both';
  try {
    if (options.index !== undefined) checkIndex('index', options.index);
    if (options.dataset !== undefined) checkPart('dataset', options.dataset);
    if (options.namespace !== undefined) checkPart('namespace', options.namespace);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export const elasticsearchDestination: DestinationDescriptor<'elasticsearch', ElasticsearchConfig, ElasticsearchOptions> = {
  name: 'elasticsearch',
  optionKeys: ELASTICSEARCH_OPTION_KEYS,
  parse: parseElasticsearchConfig,
  checkRouteOptions: checkElasticsearchRouteOptions,
  create: createElasticsearchDestination,
};
