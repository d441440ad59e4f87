import type { ExporterName } from '../src/config.js';
import type { SettingsReader } from '../src/env.js';

/** Options given in code for the delivery core and the exporters; each overrides its variable. */
export interface DeliveryOptions {}

/** The validated delivery settings: batching, spool, retries, and one section per destination. */
export interface DeliveryConfig {}

export function parseDeliveryConfig(_read: SettingsReader, _exporters: readonly ExporterName[], _options: DeliveryOptions = {}): DeliveryConfig {
  return {};
}
