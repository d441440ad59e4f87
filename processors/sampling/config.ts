import type { SettingsReader } from '../../src/env.js';

/** Options given in code; each overrides the environment variable it names. */
export interface SamplingOptions {}

/** The validated sampling settings. */
export interface SamplingConfig {}

export function parseSamplingConfig(_read: SettingsReader, _options: SamplingOptions = {}): SamplingConfig {
  return {};
}
