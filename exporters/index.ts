import { diag } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogkitRecord } from '../src/core/record.js';
import { type LogStage, type StageContext, type WriteVerdict, worseVerdict } from '../src/core/stage.js';
import type { DeliveryConfig } from './config.js';
import { settingsFor } from './delivery/config.js';
import type { DestinationDescriptor, RouteTarget } from './delivery/descriptor.js';
import { SdkExporterStage } from './delivery/sdk-exporter-stage.js';
import { checkSpoolDirectory } from './delivery/spool-queue.js';
import { destinationNamed, type ExporterName } from './registry.js';
import { RoutingStage } from './routing/stage.js';

/**
 * The last stage: hands records to every configured destination. Each destination has its own queue,
 * so one slow destination never holds up another. `place` decides where the named destinations run
 * (the pipeline puts them in the delivery worker, see {@link awayFromApplicationThread}); SDK
 * exporters given in code and destinations that write to this process's output stay on this thread.
 */
export function createExportStage(
  exporters: readonly ExporterName[],
  delivery: DeliveryConfig,
  ctx: StageContext,
  userExporters: readonly LogRecordExporter[],
  place: (build: () => LogStage) => LogStage = (build) => build(),
): LogStage {
  const destinations: LogStage[] = [];
  const away = awayFromApplicationThread(exporters, delivery);
  const here = exporters.filter((name) => !away.includes(name));
  if (away.length > 0 || delivery.routing.rules.length > 0) destinations.push(place(() => createDestinationsStage(away, delivery, ctx)));
  if (here.length > 0) destinations.push(createDestinationsStage(here, delivery, ctx));
  userExporters.forEach((exporter, i) =>
    destinations.push(new SdkExporterStage(userExporters.length > 1 ? `exporter_${i}` : 'exporter', exporter, ctx, delivery.settings.batch)),
  );
  return destinations.length === 1 ? destinations[0]! : new FanOutStage(destinations);
}

/**
 * The named destinations that may run in a delivery worker: all of them when routes are set (the
 * routing stage runs with them), else all but those bound to the application's thread (console).
 */
export function awayFromApplicationThread(exporters: readonly ExporterName[], delivery: DeliveryConfig): ExporterName[] {
  if (delivery.routing.rules.length > 0) return [...exporters];
  return exporters.filter((name) => !(destinationNamed(name) as DestinationDescriptor | undefined)?.onApplicationThread);
}

/**
 * What would fail when the destinations are built, checked now on the caller's thread: with a
 * worker they are built there, and a configuration error must still fail at startup, naming the variable.
 */
export function checkDestinations(exporters: readonly ExporterName[], delivery: DeliveryConfig): void {
  const keys = new Set<string>(exporters);
  for (const rule of delivery.routing.rules) for (const target of rule.targets) keys.add(target.key);
  for (const key of keys) {
    const { spoolDir } = settingsFor(key, delivery.settings);
    if (spoolDir !== undefined) checkSpoolDirectory(spoolDir);
  }
}

/** The named destinations (`OTEL_LOGS_EXPORTER` and route targets), with routing in front when routes are set. */
export function createDestinationsStage(exporters: readonly ExporterName[], delivery: DeliveryConfig, ctx: StageContext): LogStage {
  // One stage per destination name, shared by the default list and every route that names it.
  const opened = new Map<string, LogStage | undefined>();
  const open = (target: RouteTarget): LogStage | undefined => {
    if (!opened.has(target.key)) opened.set(target.key, openDestination(target, delivery, ctx));
    return opened.get(target.key);
  };
  const defaults = exporters.map((name) => open({ exporter: name, options: {}, key: name })).filter((s): s is LogStage => s !== undefined);
  const { rules } = delivery.routing;
  if (rules.length > 0) return new RoutingStage(rules, defaults, open, ctx);
  return defaults.length === 1 ? defaults[0]! : new FanOutStage(defaults);
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

  write(record: LogkitRecord): WriteVerdict {
    let verdict: WriteVerdict = 'refused';
    for (const destination of this.destinations) verdict = worseVerdict(verdict, destination.write(record));
    return verdict;
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.shutdown()));
  }
}
