import { describe, expect, it } from 'vitest';
import { rison } from '../../exporters/links.js';
import { runWithExecution } from '../../src/core/execution.js';
import { createLogPipeline } from '../../src/pipeline.js';

const ID = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

function pipeline(env: Record<string, string>) {
  return createLogPipeline({ env: { OTEL_LOGS_EXPORTER: 'none', ...env } });
}

/** Reads a Grafana Explore link back into the pane it opens. */
function grafanaPane(link: string) {
  const url = new URL(link);
  const panes = JSON.parse(url.searchParams.get('panes')!) as Record<string, { datasource?: string; queries: { expr: string; datasource?: unknown }[]; range: unknown }>;
  return { url, pane: Object.values(panes)[0]! };
}

/** Reads a Kibana Discover link back into its global and app state (rison, as Kibana keeps it). */
function kibanaState(link: string) {
  const url = new URL(link);
  const hash = new URLSearchParams(url.hash.slice(url.hash.indexOf('?') + 1));
  return { url, g: hash.get('_g')!, a: hash.get('_a')! };
}

describe('deep links to the records of a correlation id', () => {
  it('opens Grafana Explore on the Loki data source with a LogQL filter on the correlation_global_id structured metadata', () => {
    const logkit = pipeline({ OTEL_LOGKIT_LINK_BASE_GRAFANA: 'https://grafana.example.com/monitoring/', OTEL_LOGKIT_LINK_GRAFANA_DATASOURCE: 'loki-prod', OTEL_LOGKIT_LINK_LOOKBACK: '7d' });
    const { url, pane } = grafanaPane(logkit.linkFor(ID).grafana!);
    expect(url.origin + url.pathname).toBe('https://grafana.example.com/monitoring/explore');
    expect(url.searchParams.get('orgId')).toBe('1');
    expect(pane.datasource).toBe('loki-prod');
    expect(pane.queries[0]).toMatchObject({ expr: `{service_name=~".+"} | correlation_global_id="${ID}"`, datasource: { type: 'loki', uid: 'loki-prod' } });
    expect(pane.range).toEqual({ from: 'now-7d', to: 'now' });
  });

  it('opens Kibana Discover with a KQL query on the field the Elasticsearch layout uses', () => {
    const otel = pipeline({
      OTEL_LOGKIT_LINK_BASE_KIBANA: 'https://kibana.example.com/s/ops',
      OTEL_LOGKIT_LINK_KIBANA_DATA_VIEW: "logs-*'s view",
      OTEL_LOGS_EXPORTER: 'elasticsearch',
      OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://127.0.0.1:9',
    });
    const { url, g, a } = kibanaState(otel.linkFor(ID).kibana!);
    expect(url.origin + url.pathname).toBe('https://kibana.example.com/s/ops/app/discover');
    expect(g).toBe('(time:(from:now-24h,to:now))');
    expect(a).toBe(`(dataView:'logs-*!'s view',query:(language:kuery,query:'attributes.correlation.global_id:"${ID}"'))`);
    const ecs = pipeline({ OTEL_LOGKIT_LINK_BASE_KIBANA: 'https://kibana.example.com', OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://127.0.0.1:9', OTEL_LOGKIT_ELASTICSEARCH_MAPPING: 'ecs' });
    expect(kibanaState(ecs.linkFor(ID).kibana!).a).toBe(`(query:(language:kuery,query:'correlation.global_id:"${ID}"'))`);
  });

  it('uses the current execution\'s global id when none is given, and gives no links when no base URL is configured', () => {
    const logkit = pipeline({ OTEL_LOGKIT_LINK_BASE_GRAFANA: 'https://grafana.example.com' });
    const inside = runWithExecution({ globalId: ID }, () => logkit.linkFor());
    expect(grafanaPane(inside.grafana!).pane.queries[0]!.expr).toContain(`correlation_global_id="${ID}"`);
    expect(logkit.linkFor()).toEqual({});
    expect(pipeline({}).linkFor(ID)).toEqual({});
  });

  it('a hostile id cannot break out of the query: quotes are escaped for LogQL and for Rison', () => {
    const logkit = pipeline({ OTEL_LOGKIT_LINK_BASE_GRAFANA: 'https://g.example', OTEL_LOGKIT_LINK_BASE_KIBANA: 'https://k.example' });
    const hostile = `x" or 1=1 | line_format "'!`;
    const links = logkit.linkFor(hostile);
    expect(grafanaPane(links.grafana!).pane.queries[0]!.expr).toBe(`{service_name=~".+"} | correlation_global_id=${JSON.stringify(hostile)}`);
    expect(kibanaState(links.kibana!).a).toBe(`(query:(language:kuery,query:${rison(`correlation.global_id:${JSON.stringify(hostile)}`)}))`);
    expect(rison(`it's!`)).toBe(`'it!'s!!'`);
  });

  it('gives the otel-logkit view command line for the first configured store, without credentials, and quotes a hostile id as one argument', () => {
    const loki = pipeline({ OTEL_LOGS_EXPORTER: 'loki,file', OTEL_LOGKIT_LOKI_ENDPOINT: 'https://ops:secret@loki.example:3100/eu?x=1', OTEL_LOGKIT_LINK_LOOKBACK: '7d' });
    expect(loki.linkFor(ID).view).toBe(`npx otel-logkit view ${ID} --loki https://loki.example:3100/eu --since 7d`);
    expect(loki.linkFor(`it's; rm -rf /`).view).toBe(`npx otel-logkit view 'it'\\''s; rm -rf /' --loki https://loki.example:3100/eu --since 7d`);
    expect(loki.linkFor('-rf').view).toBe('npx otel-logkit view --loki https://loki.example:3100/eu --since 7d -- -rf');
    const es = pipeline({ OTEL_LOGS_EXPORTER: 'elasticsearch', OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: 'http://es:9200/?pipeline=p' });
    expect(es.linkFor(ID).view).toBe(`npx otel-logkit view ${ID} --elasticsearch http://es:9200 --since 24h`);
    const file = pipeline({ OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: '/var/log/my app' });
    expect(file.linkFor(ID).view).toBe(`npx otel-logkit view ${ID} --file '/var/log/my app'`);
    expect(pipeline({ OTEL_LOGS_EXPORTER: 'otlp' }).linkFor(ID).view).toBeUndefined();
  });

  it('refuses a lookback it cannot express, naming the variable', () => {
    expect(() => pipeline({ OTEL_LOGKIT_LINK_LOOKBACK: 'yesterday' })).toThrow('OTEL_LOGKIT_LINK_LOOKBACK=yesterday: expected a number and a unit s, m, h, d or w, e.g. 24h');
    expect(() => pipeline({ OTEL_LOGKIT_LINK_BASE_GRAFANA: 'grafana' })).toThrow(/OTEL_LOGKIT_LINK_BASE_GRAFANA=grafana/);
  });
});
