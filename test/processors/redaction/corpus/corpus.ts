import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a corpus file. */
export interface CorpusLine {
  label: 'secret' | 'benign';
  kind: string;
  text: string;
  secrets?: string[];
}

/**
 * The labelled corpora: `corpus.jsonl` (written by `generate-corpus.ts`, by the hands that wrote the
 * detectors) and `independent.jsonl` (written from the formats' public descriptions by someone who
 * never saw the detectors' code — see issue 18).
 */
export const CORPORA = ['corpus', 'independent'] as const;
export type CorpusName = (typeof CORPORA)[number];

export function readCorpus(name: CorpusName = 'corpus'): CorpusLine[] {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.jsonl`);
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as CorpusLine);
}

/** True when any 12-character piece of the secret (or all of a shorter one) is still in the output. */
export function leaks(output: string, secret: string): boolean {
  const width = Math.min(secret.length, 12);
  for (let i = 0; i + width <= secret.length; i++) if (output.includes(secret.slice(i, i + width))) return true;
  return false;
}
