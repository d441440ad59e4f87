import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { StatsSection } from '../../src/core/stats.js';
import type { DeliveryStatsSection } from './delivery-stats.js';
import type { DeliverySettings } from './settings.js';

/**
 * A destination as one route names it: the destination alone (`loki`), or with per-route settings
 * (`loki(tenant=security)`), which make it a destination of its own (own queue, spool subdirectory,
 * retry state) under `key`.
 */
export interface RouteTarget {
  /** The destination's name, e.g. `loki`. */
  exporter: string;
  /** Per-route settings, e.g. `{ tenant: 'security' }`; empty for the plain destination. */
  options: Readonly<Record<string, string>>;
  /** The name of this destination in stats and the spool: `loki`, or `loki_tenant_security`. */
  key: string;
}

/**
 * Everything the pipeline knows about one destination, in the destination's own folder: its name,
 * how its settings are read, which route settings it takes, how it is built and what its `stats()`
 * section holds (the delivery core's, unless the destination is built on something else). The registry
 * (`exporters/registry.ts`) lists the descriptors; the exporter-name list, the configuration, the
 * routing parser and the export stage loop over it. (Vector does the same: each sink registers its
 * own name and builds itself from its config.) Adding a backend is one folder and one registry line.
 *
 * @example
 * export const fileDestination: DestinationDescriptor<'file', FileExporterConfig, FileExporterOptions> = {
 *   name: 'file',
 *   optionKeys: FILE_OPTION_KEYS,
 *   parse: parseFileExporterConfig,
 *   create: (config, delivery, ctx) => createFileDestination(config, delivery, ctx),
 * };
 */
export interface DestinationDescriptor<Name extends string = string, Config = unknown, Options = unknown, Stats extends StatsSection = DeliveryStatsSection> {
  /** The name in `OTEL_LOGS_EXPORTER`, in routes, in `options.delivery` and in `config.delivery`. */
  readonly name: Name;
  /**
   * Every key of its options, which of them a configuration file may set (`otel_logkit.delivery.<name>`);
   * the compiler holds it to the options type, so the file accepts exactly what code and variables do.
   */
  readonly optionKeys: OptionKeys<Options>;
  /**
   * Reads and validates the destination's variables (the option given in code overrides each one).
   * Called only when the destination is used, so an unused destination's variables are never checked.
   */
  parse(read: SettingsReader, options: Options | undefined): Config;
  /**
   * Checks the settings a route gives this destination (`loki(tenant=…)`); returns what is wrong, or
   * undefined when they are fine. Absent: the destination takes no route settings.
   */
  checkRouteOptions?(options: Readonly<Record<string, string>>): string | undefined;
  /**
   * Runs on the application's thread even when delivery has a worker: the destination writes to this
   * process's own output (the console exporter), where order with the application's lines and
   * synchronous writes at exit matter more than the thread.
   */
  readonly onApplicationThread?: boolean;
  /**
   * Type only, never set: the type of the `stats()` section that what `create` builds registers
   * under the destination's name (`stats()` is typed from it, see {@link StatsOf}).
   */
  readonly statsSection?: Stats;
  /** Builds the destination stage, for the destination itself or for one route target of it. */
  create(config: Config, delivery: DeliverySettings, ctx: StageContext, route?: RouteTarget): LogStage;
}

/** The destination settings type of a descriptor. */
export type ConfigOf<D> = D extends DestinationDescriptor<string, infer C, unknown, StatsSection> ? C : never;
/** The code-options type of a descriptor. */
export type OptionsOf<D> = D extends DestinationDescriptor<string, unknown, infer O, StatsSection> ? O : never;
/** The `stats()` section type of a descriptor. */
export type StatsOf<D> = D extends DestinationDescriptor<string, unknown, unknown, infer S> ? S : never;
