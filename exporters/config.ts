import type { ExporterName } from '../src/config.js';
import type { SettingsReader } from '../src/core/env.js';
import { parseDeliverySettings, type DeliverySettingsOptions } from './delivery/config.js';
import type { DeliverySettings } from './delivery/settings.js';
import { parseElasticsearchConfig, type ElasticsearchConfig, type ElasticsearchOptions } from './elasticsearch/config.js';
import { parseFileExporterConfig, type FileExporterConfig, type FileExporterOptions } from './file/config.js';
import { parseLinkConfig, type LinkConfig, type LinkOptions } from './links.js';
import { parseLokiConfig, type LokiConfig, type LokiOptions } from './loki/config.js';
import { parseOtlpExporterConfig, type OtlpExporterConfig, type OtlpExporterOptions } from './otlp/config.js';
import { parseRoutingConfig, type RoutingConfig, type RoutingOptions } from './routing/config.js';

/** Options given in code for the delivery core and the exporters; each overrides its variable. */
export interface DeliveryOptions extends DeliverySettingsOptions {
  otlp?: OtlpExporterOptions;
  file?: FileExporterOptions;
  loki?: LokiOptions;
  elasticsearch?: ElasticsearchOptions;
  routing?: RoutingOptions;
  links?: LinkOptions;
}

/** The validated delivery settings: batching, spool, retries, and one section per configured destination. */
export interface DeliveryConfig {
  settings: DeliverySettings;
  otlp?: OtlpExporterConfig;
  file?: FileExporterConfig;
  loki?: LokiConfig;
  elasticsearch?: ElasticsearchConfig;
  /** `OTEL_LOGKIT_ROUTES`: which records go to which destinations (none: all to every exporter). */
  routing: RoutingConfig;
  /** `OTEL_LOGKIT_LINK_*`: where the handle's `linkFor(id)` points (Grafana Explore, Kibana Discover). */
  links: LinkConfig;
}

/**
 * A destination's variables are read (and must be valid) only when that destination is configured:
 * named in `OTEL_LOGS_EXPORTER` or as a target of a route.
 */
export function parseDeliveryConfig(read: SettingsReader, exporters: readonly ExporterName[], options: DeliveryOptions = {}): DeliveryConfig {
  const routing = parseRoutingConfig(read, options.routing);
  const used = (name: ExporterName) => exporters.includes(name) || routing.rules.some((rule) => rule.targets.some((t) => t.exporter === name));
  return {
    settings: parseDeliverySettings(read, options),
    otlp: used('otlp') ? parseOtlpExporterConfig(read, options.otlp) : undefined,
    file: used('file') ? parseFileExporterConfig(read, options.file) : undefined,
    loki: used('loki') ? parseLokiConfig(read, options.loki) : undefined,
    elasticsearch: used('elasticsearch') ? parseElasticsearchConfig(read, options.elasticsearch) : undefined,
    routing,
    links: parseLinkConfig(read, options.links),
  };
}
