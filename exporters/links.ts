import type { SettingsReader } from '../src/core/env.js';
import { ConfigError } from '../src/core/errors.js';
import { currentExecution } from '../src/core/execution.js';
import { CORRELATION_ATTRIBUTES } from '../src/core/attributes.js';
import type { ElasticsearchConfig } from './elasticsearch/config.js';
import type { FileExporterConfig } from './file/config.js';
import { type LokiConfig, lokiLabelName } from './loki/config.js';

/** Options given in code for deep links; each overrides the variable in its comment. */
export interface LinkOptions {
  /** `OTEL_LOGKIT_LINK_BASE_GRAFANA`: Grafana's URL, e.g. `https://grafana.example.com` (a sub-path is kept). */
  grafanaBase?: string;
  /** `OTEL_LOGKIT_LINK_GRAFANA_DATASOURCE`: the uid of the Loki data source (Grafana's default data source when unset). */
  grafanaDatasource?: string;
  /** `OTEL_LOGKIT_LINK_GRAFANA_ORG_ID`: Grafana organisation id (default 1). */
  grafanaOrgId?: number;
  /** `OTEL_LOGKIT_LINK_BASE_KIBANA`: Kibana's URL, with the space when not the default one, e.g. `https://kibana.example.com/s/ops`. */
  kibanaBase?: string;
  /** `OTEL_LOGKIT_LINK_KIBANA_DATA_VIEW`: the id of the data view to search (Kibana's default data view when unset). */
  kibanaDataView?: string;
  /** `OTEL_LOGKIT_LINK_LOOKBACK`: how far back the linked search looks, e.g. `15m`, `24h`, `7d` (default `24h`). */
  lookback?: string;
}

export interface LinkConfig {
  grafana?: { base: URL; datasource?: string; orgId: number };
  kibana?: { base: URL; dataView?: string };
  /** Grafana/Kibana relative time: `now-24h`. */
  from: string;
}

/** The URLs that open the records of one correlation id; a field is absent when its base URL is not configured. */
export interface LogLinks {
  /** Grafana Explore with a LogQL query on the `correlation_global_id` structured metadata. */
  grafana?: string;
  /** Kibana Discover with a KQL query on the correlation id field. */
  kibana?: string;
  /**
   * The `otel-logkit view` command line that prints (or, with `--html`, writes a page of) the request's
   * timeline from the first configured store: Loki, else Elasticsearch, else the file output.
   */
  view?: string;
}

/** Where `otel-logkit view` reads a request from: the source option and its value. */
export interface ViewSource {
  option: '--loki' | '--elasticsearch' | '--file';
  target: string;
}

export function parseLinkConfig(read: SettingsReader, options: LinkOptions = {}): LinkConfig {
  const grafanaBase = read.url('OTEL_LOGKIT_LINK_BASE_GRAFANA', options.grafanaBase);
  const kibanaBase = read.url('OTEL_LOGKIT_LINK_BASE_KIBANA', options.kibanaBase);
  const lookback = read.string('OTEL_LOGKIT_LINK_LOOKBACK', '24h', options.lookback);
  if (!/^\d+[smhdw]$/.test(lookback)) {
    throw new ConfigError(options.lookback !== undefined ? 'option overriding OTEL_LOGKIT_LINK_LOOKBACK' : 'OTEL_LOGKIT_LINK_LOOKBACK', lookback, 'a number and a unit s, m, h, d or w, e.g. 24h');
  }
  return {
    grafana: grafanaBase && {
      base: grafanaBase,
      datasource: read.string('OTEL_LOGKIT_LINK_GRAFANA_DATASOURCE', undefined, options.grafanaDatasource),
      orgId: read.int('OTEL_LOGKIT_LINK_GRAFANA_ORG_ID', 1, { min: 1 }, options.grafanaOrgId),
    },
    kibana: kibanaBase && { base: kibanaBase, dataView: read.string('OTEL_LOGKIT_LINK_KIBANA_DATA_VIEW', undefined, options.kibanaDataView) },
    from: `now-${lookback}`,
  };
}

/**
 * Builds deep links from the configuration once; `linkFor(id)` is then string work only.
 * The query follows where our exporters put the id: Loki structured metadata `correlation_global_id`
 * (the same name Loki's own OTLP ingestion gives `correlation.global_id`), and in Elasticsearch
 * `attributes.correlation.global_id` (otel layout) or `correlation.global_id` (ECS layout).
 *
 * @example
 * const links = new LinkBuilder(config.delivery.links, config.delivery.loki, config.delivery.elasticsearch);
 * alert(`payment failed, logs: ${links.linkFor(execution.globalId).grafana}`);
 */
export class LinkBuilder {
  private readonly streamSelector: string;
  private readonly kibanaField: string;

  private readonly viewCommand?: { head: string; tail: string };

  constructor(
    private readonly config: LinkConfig,
    loki?: Pick<LokiConfig, 'labels'>,
    elasticsearch?: Pick<ElasticsearchConfig, 'mapping'>,
    view?: ViewSource,
  ) {
    this.streamSelector = lokiStreamSelector(loki?.labels);
    this.kibanaField = elasticsearch?.mapping === 'ecs' || elasticsearch === undefined ? CORRELATION_ATTRIBUTES.globalId : `attributes.${CORRELATION_ATTRIBUTES.globalId}`;
    if (view) {
      const since = view.option === '--file' ? '' : ` --since ${config.from.replace(/^now-/, '')}`;
      this.viewCommand = { head: 'npx otel-logkit view', tail: `${view.option} ${shellQuote(view.target)}${since}` };
    }
  }

  linkFor(correlationId: string): LogLinks {
    const links: LogLinks = {};
    const { grafana, kibana } = this.config;
    if (grafana) {
      const expr = `${this.streamSelector} | ${lokiLabelName(CORRELATION_ATTRIBUTES.globalId)}=${JSON.stringify(correlationId)}`;
      const datasource = grafana.datasource && { type: 'loki', uid: grafana.datasource };
      const pane = {
        ...(grafana.datasource ? { datasource: grafana.datasource } : {}),
        queries: [{ refId: 'A', expr, queryType: 'range', editorMode: 'code', ...(datasource ? { datasource } : {}) }],
        range: { from: this.config.from, to: 'now' },
      };
      const url = new URL(`${grafana.base.href.replace(/\/$/, '')}/explore`);
      url.searchParams.set('schemaVersion', '1');
      url.searchParams.set('orgId', String(grafana.orgId));
      url.searchParams.set('panes', JSON.stringify({ logkit: pane }));
      links.grafana = url.href;
    }
    if (kibana) {
      const kql = `${this.kibanaField}:${JSON.stringify(correlationId)}`;
      const g = `(time:(from:${this.config.from},to:now))`;
      const a = `(${kibana.dataView ? `dataView:${rison(kibana.dataView)},` : ''}query:(language:kuery,query:${rison(kql)}))`;
      links.kibana = `${kibana.base.href.replace(/\/$/, '')}/app/discover#/?_g=${encodeURIComponent(g)}&_a=${encodeURIComponent(a)}`;
    }
    if (this.viewCommand) {
      const { head, tail } = this.viewCommand;
      const id = shellQuote(correlationId);
      // An id that looks like an option is given after `--`, so it is read as the id.
      links.view = correlationId.startsWith('-') ? `${head} ${tail} -- ${id}` : `${head} ${id} ${tail}`;
    }
    return links;
  }
}

/** An endpoint as it may be shown or printed: no user info, query or fragment (each may carry a secret). */
export function bareUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** A word for a POSIX shell: as it is when it is plainly safe, else single-quoted (a hostile id stays one argument). */
export function shellQuote(word: string): string {
  return /^[\w.,:@%+=/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The store `otel-logkit view` should read: Loki, else Elasticsearch, else the file output. A URL is
 * shown without user info, query or fragment (they may carry secrets); credentials come from the
 * same variables on the machine that runs the command.
 */
export function viewSource(delivery: { loki?: { endpoint: URL }; elasticsearch?: { endpoint: URL }; file?: Pick<FileExporterConfig, 'dir'> }): ViewSource | undefined {
  if (delivery.loki) return { option: '--loki', target: bareUrl(delivery.loki.endpoint) };
  if (delivery.elasticsearch) return { option: '--elasticsearch', target: bareUrl(delivery.elasticsearch.endpoint) };
  if (delivery.file) return { option: '--file', target: delivery.file.dir };
  return undefined;
}

/**
 * A LogQL stream selector matching every stream our Loki exporter writes: LogQL needs one that is not
 * empty-compatible, and any value of the first configured label (not the severity) matches them all.
 */
export function lokiStreamSelector(labels: readonly string[] = []): string {
  const label = labels.find((key) => key !== 'severity') ?? 'service.name';
  return `{${lokiLabelName(label)}=~".+"}`;
}

/** A Rison string literal (Kibana's URL state format): quoted with `'`, `!` escaping `'` and `!`. */
export function rison(text: string): string {
  return `'${text.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
}

/** The handle's `linkFor`: links for the given id, or for the current execution's global id when none is given. */
export function createLinkFor(delivery: {
  links: LinkConfig;
  loki?: Pick<LokiConfig, 'labels' | 'endpoint'>;
  elasticsearch?: Pick<ElasticsearchConfig, 'mapping' | 'endpoint'>;
  file?: Pick<FileExporterConfig, 'dir'>;
}): (correlationId?: string) => LogLinks {
  const builder = new LinkBuilder(delivery.links, delivery.loki, delivery.elasticsearch, viewSource(delivery));
  return (correlationId = currentExecution()?.globalId) => (correlationId === undefined ? {} : builder.linkFor(correlationId));
}
