import type { SettingsReader } from '../src/core/env.js';
import { parseDeliverySettings, type DeliverySettingsOptions } from './delivery/config.js';
import type { DeliverySettings } from './delivery/settings.js';
import { parseLinkConfig, type LinkConfig, type LinkOptions } from './links.js';
import { DESTINATIONS, type DestinationConfigs, type DestinationOptions, type ExporterName } from './registry.js';
import { parseRoutingConfig, type RoutingConfig, type RoutingOptions } from './routing/config.js';

/** Options given in code for the delivery core and the destinations; each overrides its variable. */
export interface DeliveryOptions extends DeliverySettingsOptions, DestinationOptions {
  routing?: RoutingOptions;
  links?: LinkOptions;
}

/** The validated delivery settings: batching, spool, retries, and one section per used destination. */
export interface DeliveryConfig extends DestinationConfigs {
  settings: DeliverySettings;
  /** `OTEL_LOGKIT_ROUTES`: which records go to which destinations (none: all to every exporter). */
  routing: RoutingConfig;
  /** `OTEL_LOGKIT_LINK_*`: where the handle's `linkFor(id)` points (Grafana Explore, Kibana Discover). */
  links: LinkConfig;
}

/**
 * A destination's variables are read (and must be valid) only when that destination is used: named
 * in `OTEL_LOGS_EXPORTER` or as a target of a route.
 */
export function parseDeliveryConfig(read: SettingsReader, exporters: readonly ExporterName[], options: DeliveryOptions = {}): DeliveryConfig {
  const routing = parseRoutingConfig(read, DESTINATIONS, options.routing);
  const used = (name: string) => exporters.includes(name as ExporterName) || routing.rules.some((rule) => rule.targets.some((t) => t.exporter === name));
  const config: DeliveryConfig = { settings: parseDeliverySettings(read, options), routing, links: parseLinkConfig(read, options.links) };
  const sections = config as unknown as Record<string, unknown>;
  for (const destination of DESTINATIONS) {
    if (used(destination.name)) sections[destination.name] = destination.parse(read, (options as Record<string, never>)[destination.name]);
  }
  return config;
}
