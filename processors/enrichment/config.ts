import type { SettingsReader } from '../../src/env.js';

/** Options given in code; each overrides the environment variable it names. */
export interface EnrichmentOptions {}

/** The validated enrichment settings. */
export interface EnrichmentConfig {}

export function parseEnrichmentConfig(_read: SettingsReader, _options: EnrichmentOptions = {}): EnrichmentConfig {
  return {};
}
