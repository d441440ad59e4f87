import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { CONNECTION_OPTION_KEYS, type ConnectionOptions, readConnection } from '../delivery/connection.js';
import type { HttpSettings } from '../delivery/settings.js';
import { parseRetention, type Retention } from './retention.js';

/** The fix for a 404 from this destination (the warning and `doctor` print it). */
export const ELASTICSEARCH_NOT_FOUND = "OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT must be the cluster's URL, e.g. https://es:9200 (/_bulk is added)";

/** Options given in code for the Elasticsearch/OpenSearch exporter; each overrides the variable in its comment. */
/**
 * Connection options override `OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT` (the cluster's base URL, e.g.
 * `https://es:9200`; `/_bulk` is added), `_HEADERS`, `_USERNAME`/`_PASSWORD` (basic auth), `_TIMEOUT`,
 * `_CERTIFICATE`, `_CLIENT_CERTIFICATE`, `_CLIENT_KEY`.
 */
export interface ElasticsearchOptions extends Omit<ConnectionOptions, 'token'> {
  /** `OTEL_LOGKIT_ELASTICSEARCH_MAPPING`: document layout, `otel` (OTel-native, as the Collector's default) or `ecs`. */
  mapping?: ElasticsearchMapping;
  /** `OTEL_LOGKIT_ELASTICSEARCH_INDEX`: write to this index (or alias) instead of a `logs-<dataset>-<namespace>` data stream. */
  index?: string;
  /** `OTEL_LOGKIT_ELASTICSEARCH_DATASET`: data stream dataset (default `generic`; `.otel` is appended in otel mapping). */
  dataset?: string;
  /** `OTEL_LOGKIT_ELASTICSEARCH_NAMESPACE`: data stream namespace (default `default`). */
  namespace?: string;
  /** `OTEL_LOGKIT_ELASTICSEARCH_API_KEY`: the encoded API key (`id:key` base64), sent as `Authorization: ApiKey …`. */
  apiKey?: string;
  /** `OTEL_LOGKIT_ELASTICSEARCH_COMPRESSION`: `gzip` (default) or `none`. */
  compression?: 'gzip' | 'none';
  /** `OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE`: install an index template for the target at startup (OpenSearch has none for `logs-*-*`). */
  bootstrapTemplate?: boolean;
  /**
   * `OTEL_LOGKIT_RETENTION`, e.g. `{ app: '14d', audit: '400d' }`: with the template, install a lifecycle
   * (Elasticsearch: data stream lifecycle; OpenSearch: an ISM policy) keeping the audit stream and the others that long.
   */
  retention?: Retention;
}

export const ELASTICSEARCH_OPTION_KEYS = {
  ...CONNECTION_OPTION_KEYS,
  mapping: 1,
  index: 1,
  dataset: 1,
  namespace: 1,
  apiKey: 1,
  compression: 1,
  bootstrapTemplate: 1,
  retention: 1,
} as const satisfies OptionKeys<ElasticsearchOptions>;

export type ElasticsearchMapping = 'otel' | 'ecs';

/** Where documents go: a data stream named from its parts, or a plain index. */
export type ElasticsearchTarget = { kind: 'data-stream'; dataset: string; namespace: string } | { kind: 'index'; index: string };

export interface ElasticsearchConfig {
  endpoint: URL;
  mapping: ElasticsearchMapping;
  target: ElasticsearchTarget;
  compression: 'gzip' | 'none';
  bootstrapTemplate: boolean;
  /** How long application and audit streams are kept; undefined: the cluster's own lifecycle (none by default). */
  retention?: Retention;
  /** Headers (with credentials), timeout and TLS for the transport; credentials are never logged or spooled. */
  http: HttpSettings;
}

/**
 * Data stream name parts: lowercase, no `-` (it separates the parts), none of `\/*?"<>| ,#:`, as
 * Elasticsearch's data stream naming scheme requires; the dataset may contain `.`.
 */
const NAME_PART = /^[a-z0-9_.]+$/;
/** Index names: lowercase, not starting with `-_+`, none of `\/*?"<>| ,#:` (Elasticsearch and OpenSearch rules). */
const INDEX_NAME = /^[a-z0-9][^\\/*?"<>| ,#:A-Z]*$/;

/** Reads the Elasticsearch section; called only when `elasticsearch` is an exporter or a route target. */
export function parseElasticsearchConfig(read: SettingsReader, options: ElasticsearchOptions = {}): ElasticsearchConfig {
  const { endpoint, http } = readConnection(
    read,
    'OTEL_LOGKIT_ELASTICSEARCH',
    { example: 'https://es:9200', tokenVariable: 'OTEL_LOGKIT_ELASTICSEARCH_API_KEY', scheme: 'ApiKey' },
    { ...options, token: options.apiKey },
  );
  const mapping = read.oneOf('OTEL_LOGKIT_ELASTICSEARCH_MAPPING', ['otel', 'ecs'], 'otel', options.mapping);
  const index = read.string('OTEL_LOGKIT_ELASTICSEARCH_INDEX', undefined, options.index);
  const target: ElasticsearchTarget =
    index !== undefined
      ? { kind: 'index', index: checkIndex('OTEL_LOGKIT_ELASTICSEARCH_INDEX', index) }
      : {
          kind: 'data-stream',
          dataset: checkPart('OTEL_LOGKIT_ELASTICSEARCH_DATASET', read.string('OTEL_LOGKIT_ELASTICSEARCH_DATASET', 'generic', options.dataset)),
          namespace: checkPart('OTEL_LOGKIT_ELASTICSEARCH_NAMESPACE', read.string('OTEL_LOGKIT_ELASTICSEARCH_NAMESPACE', 'default', options.namespace)),
        };
  return {
    endpoint,
    mapping,
    target,
    compression: read.oneOf('OTEL_LOGKIT_ELASTICSEARCH_COMPRESSION', ['gzip', 'none'], 'gzip', options.compression),
    bootstrapTemplate: read.bool('OTEL_LOGKIT_ELASTICSEARCH_BOOTSTRAP_TEMPLATE', false, options.bootstrapTemplate),
    retention: parseRetention(read, options.retention),
    http,
  };
}

export function checkPart(setting: string, value: string): string {
  if (!NAME_PART.test(value) || value.length > 100) throw new ConfigError(setting, value, 'lowercase letters, digits, `_` and `.` (no `-`), at most 100 characters');
  return value;
}

export function checkIndex(setting: string, value: string): string {
  if (!INDEX_NAME.test(value) || value.length > 255) throw new ConfigError(setting, value, 'a lowercase index name without spaces or any of \\/*?"<>|,#: and not starting with -, _ or +');
  return value;
}

/** The name documents are written to: `logs-<dataset>-<namespace>` (dataset `x` becomes `x.otel` in otel mapping, as the Collector does). */
export function targetName(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>): string {
  const { target } = config;
  if (target.kind === 'index') return target.index;
  return `logs-${datasetName(config)}-${target.namespace}`;
}

export function datasetName(config: Pick<ElasticsearchConfig, 'mapping' | 'target'>): string {
  const { target } = config;
  if (target.kind === 'index') return '';
  return config.mapping === 'otel' && !target.dataset.endsWith('.otel') ? `${target.dataset}.otel` : target.dataset;
}
