import { diag } from '@opentelemetry/api';
import { ConsoleLogRecordExporter, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogkitRecord } from '../src/core/record.js';
import type { LogStage, StageContext } from '../src/core/stage.js';
import { settingsFor } from './delivery/config.js';
import { createElasticsearchDestination } from './elasticsearch/index.js';
import { createFileDestination } from './file/index.js';
import { createLokiDestination } from './loki/index.js';
import { createOtlpDestination } from './otlp/index.js';
import type { RouteTarget } from './routing/rules.js';
import { RoutingStage } from './routing/stage.js';
import { SdkExporterStage } from './delivery/sdk-exporter-stage.js';

/**
 * The last stage: hands records to every configured destination. Each destination has its own queue,
 * so one slow destination never holds up another.
 */
export function createExportStage(ctx: StageContext, userExporters: readonly LogRecordExporter[]): LogStage {
  // One stage per destination name, shared by the default list and every route that names it.
  const opened = new Map<string, LogStage | undefined>();
  const open = (target: RouteTarget): LogStage | undefined => {
    if (!opened.has(target.key)) opened.set(target.key, openDestination(target, ctx));
    return opened.get(target.key);
  };
  const defaults = ctx.config.exporters.map((name) => open({ exporter: name, options: {}, key: name })).filter((s): s is LogStage => s !== undefined);
  const { rules } = ctx.config.delivery.routing;
  const destinations: LogStage[] = rules.length > 0 ? [new RoutingStage(rules, defaults, open, ctx)] : defaults;
  userExporters.forEach((exporter, i) => destinations.push(new SdkExporterStage(userExporters.length > 1 ? `exporter_${i}` : 'exporter', exporter, ctx)));
  return new FanOutStage(destinations);
}

/** A destination by name; a route target (e.g. `loki(tenant=security)`) is a destination of its own, with its own spool subdirectory. */
function openDestination(target: RouteTarget, ctx: StageContext): LogStage | undefined {
  const delivery = ctx.config.delivery;
  const settings = settingsFor(target.key, delivery.settings);
  const route = target.key === target.exporter ? undefined : target;
  const name = target.exporter;
  if (name === 'console') return new SdkExporterStage('console', new ConsoleLogRecordExporter(), ctx);
  if (name === 'otlp' && delivery.otlp) return createOtlpDestination(delivery.otlp, settings, ctx);
  if (name === 'file' && delivery.file) return createFileDestination(delivery.file, settings, ctx);
  if (name === 'loki' && delivery.loki) return createLokiDestination(delivery.loki, settings, ctx, route);
  if (name === 'elasticsearch' && delivery.elasticsearch) return createElasticsearchDestination(delivery.elasticsearch, settings, ctx, route);
  diag.warn(`otel-logkit: exporter ${name} is not available in this build`);
  return undefined;
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
