import type { SettingsReader } from '../../src/env.js';

/** Options given in code; each overrides the environment variable it names. */
export interface RedactionOptions {}

/** The validated redaction settings. */
export interface RedactionConfig {}

export function parseRedactionConfig(_read: SettingsReader, _options: RedactionOptions = {}): RedactionConfig {
  return {};
}
