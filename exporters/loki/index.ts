import type { LogStage, StageContext } from '../../src/core/stage.js';
import { createHttpDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import type { RouteTarget } from '../routing/rules.js';
import type { LokiConfig } from './config.js';
import { LokiProtocol } from './protocol.js';

/**
 * `OTEL_LOGS_EXPORTER=loki`: Loki's native push API through the shared delivery core. A route target
 * such as `loki(tenant=security, stream=audit)` is its own destination (own queue, spool subdirectory,
 * retry state) with that tenant and those extra stream labels.
 */
export function createLokiDestination(config: LokiConfig, delivery: DeliverySettings, ctx: StageContext, route?: RouteTarget): LogStage {
  const name = route?.key ?? 'loki';
  const protocol = new LokiProtocol(route ? lokiConfigForRoute(config, route.options) : config);
  ctx.stats.register(`${name}_labels`, () => ({ collapsed: protocol.guard.collapsed.toJSON() }));
  return createHttpDestination({ name, protocol, endpoint: config.endpoint, http: config.http, delivery }, ctx);
}

/** `tenant` replaces the tenant; every other route setting is a label every stream of that route carries. */
export function lokiConfigForRoute(config: LokiConfig, options: Readonly<Record<string, string>>): LokiConfig {
  const { tenant, ...labels } = options;
  return { ...config, tenant: tenant ?? config.tenant, staticLabels: { ...config.staticLabels, ...labels } };
}
