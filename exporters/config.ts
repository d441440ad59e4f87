import type { ExporterName } from '../src/config.js';
import type { SettingsReader } from '../src/env.js';
import { parseDeliverySettings, type DeliverySettingsOptions } from './core/config.js';
import type { DeliverySettings } from './core/settings.js';
import { parseFileExporterConfig, type FileExporterConfig, type FileExporterOptions } from './file/config.js';
import { parseOtlpExporterConfig, type OtlpExporterConfig, type OtlpExporterOptions } from './otlp/config.js';

/** Options given in code for the delivery core and the exporters; each overrides its variable. */
export interface DeliveryOptions extends DeliverySettingsOptions {
  otlp?: OtlpExporterOptions;
  file?: FileExporterOptions;
}

/** The validated delivery settings: batching, spool, retries, and one section per configured destination. */
export interface DeliveryConfig {
  settings: DeliverySettings;
  otlp?: OtlpExporterConfig;
  file?: FileExporterConfig;
}

/** A destination's variables are read (and must be valid) only when that destination is configured. */
export function parseDeliveryConfig(read: SettingsReader, exporters: readonly ExporterName[], options: DeliveryOptions = {}): DeliveryConfig {
  return {
    settings: parseDeliverySettings(read, options),
    otlp: exporters.includes('otlp') ? parseOtlpExporterConfig(read, options.otlp) : undefined,
    file: exporters.includes('file') ? parseFileExporterConfig(read, options.file) : undefined,
  };
}
