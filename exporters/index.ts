import { diag } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogkitRecord } from '../src/core/record.js';
import type { LogStage, StageContext } from '../src/core/stage.js';
import type { DeliveryConfig } from './config.js';
import { settingsFor } from './delivery/config.js';
import type { DestinationDescriptor, RouteTarget } from './delivery/descriptor.js';
import { SdkExporterStage } from './delivery/sdk-exporter-stage.js';
import { destinationNamed, type ExporterName } from './registry.js';
import { RoutingStage } from './routing/stage.js';

/**
 * The last stage: hands records to every configured destination. Each destination has its own queue,
 * so one slow destination never holds up another.
 */
export function createExportStage(
  exporters: readonly ExporterName[],
  delivery: DeliveryConfig,
  ctx: StageContext,
  userExporters: readonly LogRecordExporter[],
): LogStage {
  // One stage per destination name, shared by the default list and every route that names it.
  const opened = new Map<string, LogStage | undefined>();
  const open = (target: RouteTarget): LogStage | undefined => {
    if (!opened.has(target.key)) opened.set(target.key, openDestination(target, delivery, ctx));
    return opened.get(target.key);
  };
  const defaults = exporters.map((name) => open({ exporter: name, options: {}, key: name })).filter((s): s is LogStage => s !== undefined);
  const { rules } = delivery.routing;
  const destinations: LogStage[] = rules.length > 0 ? [new RoutingStage(rules, defaults, open, ctx)] : defaults;
  userExporters.forEach((exporter, i) =>
    destinations.push(new SdkExporterStage(userExporters.length > 1 ? `exporter_${i}` : 'exporter', exporter, ctx, delivery.settings.batch)),
  );
  return new FanOutStage(destinations);
}

/** A destination by name; a route target (e.g. `loki(tenant=security)`) is a destination of its own, with its own spool subdirectory. */
function openDestination(target: RouteTarget, delivery: DeliveryConfig, ctx: StageContext): LogStage | undefined {
  const destination = destinationNamed(target.exporter) as DestinationDescriptor | undefined;
  const config = (delivery as unknown as Record<string, unknown>)[target.exporter];
  if (destination === undefined || config === undefined) {
    diag.warn(`otel-logkit: exporter ${target.exporter} is not available in this build`);
    return undefined;
  }
  const route = target.key === target.exporter ? undefined : target;
  return destination.create(config, settingsFor(target.key, delivery.settings), ctx, route);
}

/** Writes each record to every destination; the record is read-only from here on, so it is shared. */
class FanOutStage implements LogStage {
  constructor(private readonly destinations: readonly LogStage[]) {}

  write(record: LogkitRecord): void {
    for (const destination of this.destinations) destination.write(record);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.shutdown()));
  }
}
