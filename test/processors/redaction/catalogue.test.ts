import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectorCatalogue, shownExample } from '../../../processors/redaction/detectors/catalogue.js';
import { DETECTOR_NAMES, DetectorSet, TOKEN_FAMILIES, type Span } from '../../../processors/redaction/detectors/index.js';
import { DEFAULT_BLOCKED_KEYS, KeyRules } from '../../../processors/redaction/key-rules.js';
import { redactorFor } from './redactor-for.js';

const catalogue = detectorCatalogue();
const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');
const rules = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: [] });

describe('the detector catalogue', () => {
  it('has an entry for every built-in detector', () => {
    expect(catalogue.map((entry) => entry.name)).toEqual([...DETECTOR_NAMES]);
  });

  it.each(catalogue.map((entry) => [entry.name, entry] as const))('%s catches its own example, alone', (name, entry) => {
    const spans: Span[] = [];
    new DetectorSet([name], [], rules).find(entry.example, spans);
    expect(spans.length).toBeGreaterThan(0);
  });

  it('reports every prefixed format under its detector name, with the default rules', () => {
    const redactor = redactorFor();
    for (const rule of Object.values(TOKEN_FAMILIES).flat()) {
      const output = redactor.redactValue(`using ${rule.example} now`) as string;
      expect(output, rule.example).toBe(`using [REDACTED:${rule.kind}] now`);
    }
  });

  it('is the README table, row for row', () => {
    for (const entry of catalogue) {
      const row = `| \`${entry.name}\`${entry.onByDefault ? '' : ' (opt-in)'} | ${entry.family}: ${entry.describes} | \`${shownExample(entry.example)}\` |`;
      expect(readme, entry.name).toContain(row);
    }
  });
});
