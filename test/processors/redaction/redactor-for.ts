import { SettingsReader, type Env } from '../../../src/core/env.js';
import { parseRedactionConfig, type RedactionOptions } from '../../../processors/redaction/config.js';
import { Redactor } from '../../../processors/redaction/redactor.js';

/** A redactor configured exactly as the pipeline would be from this environment and these options. */
export function redactorFor(env: Env = {}, options: RedactionOptions = {}): Redactor {
  return new Redactor(parseRedactionConfig(new SettingsReader(env), options));
}

/** A null-prototype map, as the pipeline's record copies have. */
export function map(entries: Record<string, unknown>): Record<string, never> {
  return Object.assign(Object.create(null), entries);
}
