import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor, RouteTarget } from '../delivery/descriptor.js';
import { connectionVariables } from '../delivery/connection.js';
import { createHttpDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { LOKI_NOT_FOUND, LOKI_OPTION_KEYS, isLokiLabelName, type LokiConfig, type LokiOptions, parseLokiConfig } from './config.js';
import { LokiProtocol } from './protocol.js';

const LOKI_VARIABLES = connectionVariables('OTEL_LOGKIT_LOKI', 'Loki', 'BEARER_TOKEN', LOKI_NOT_FOUND);

/**
 * `OTEL_LOGS_EXPORTER=loki`: Loki's native push API through the shared delivery core. A route target
 * such as `loki(tenant=security, stream=audit)` is its own destination (own queue, spool subdirectory,
 * retry state) with that tenant and those extra stream labels.
 */
export function createLokiDestination(config: LokiConfig, delivery: DeliverySettings, ctx: StageContext, route?: RouteTarget): LogStage {
  const name = route?.key ?? 'loki';
  const protocol = new LokiProtocol(route ? lokiConfigForRoute(config, route.options) : config);
  ctx.stats.register(`${name}_labels`, () => ({ collapsed: protocol.guard.collapsed.toJSON() }));
  return createHttpDestination({ name, protocol, endpoint: config.endpoint, http: config.http, delivery, variables: LOKI_VARIABLES }, ctx);
}

/** `tenant` replaces the tenant; every other route setting is a label every stream of that route carries. */
export function lokiConfigForRoute(config: LokiConfig, options: Readonly<Record<string, string>>): LokiConfig {
  const { tenant, ...labels } = options;
  return { ...config, tenant: tenant ?? config.tenant, staticLabels: { ...config.staticLabels, ...labels } };
}

/** A route may set the tenant and extra stream labels: `loki(tenant=security, stream=audit)`. */
function checkLokiRouteOptions(options: Readonly<Record<string, string>>): string | undefined {
  for (const [key, value] of Object.entries(options)) {
    if (key === 'tenant') {
      if (!/^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(value)) return `"${value}" is not a Loki tenant id (letters, digits, !-_.*'(), at most 150)`;
    } else if (!isLokiLabelName(key)) return `"${key}" is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*)`;
  }
  return undefined;
}

export const lokiDestination: DestinationDescriptor<'loki', LokiConfig, LokiOptions> = {
  name: 'loki',
  optionKeys: LOKI_OPTION_KEYS,
  parse: parseLokiConfig,
  checkRouteOptions: checkLokiRouteOptions,
  create: createLokiDestination,
};
