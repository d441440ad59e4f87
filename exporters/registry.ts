import { consoleDestination } from './console/index.js';
import type { ConfigOf, OptionsOf, StatsOf } from './delivery/descriptor.js';
import { elasticsearchDestination } from './elasticsearch/index.js';
import { fileDestination } from './file/index.js';
import { kafkaDestination } from './kafka/index.js';
import { lokiDestination } from './loki/index.js';
import { otlpDestination } from './otlp/index.js';

/**
 * Every destination this build can deliver to, one descriptor each. The exporter names, the options
 * and configuration types, the routing parser and the export stage all follow from this list: a new
 * backend is a folder with its descriptor and one line here.
 */
export const DESTINATIONS = [otlpDestination, consoleDestination, fileDestination, lokiDestination, elasticsearchDestination, kafkaDestination] as const;

type Destination = (typeof DESTINATIONS)[number];
export type DestinationName = Destination['name'];

/** What `OTEL_LOGS_EXPORTER` may name: every destination, and `none`. */
export const EXPORTER_NAMES: readonly (DestinationName | 'none')[] = [...DESTINATIONS.map((d) => d.name), 'none'];
export type ExporterName = DestinationName | 'none';

/** `options.delivery.<name>`: each destination's options given in code. */
export type DestinationOptions = { [D in Destination as D['name']]?: OptionsOf<D> };
/** `config.delivery.<name>`: each used destination's validated settings. */
export type DestinationConfigs = { [D in Destination as D['name']]?: ConfigOf<D> };
/** `stats().<name>`: each configured destination's section. */
export type DestinationStats = { [D in Destination as D['name']]?: StatsOf<D> };

export function destinationNamed(name: string): Destination | undefined {
  return DESTINATIONS.find((d) => d.name === name);
}
