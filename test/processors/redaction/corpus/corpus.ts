import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of `corpus.jsonl` (written by `generate-corpus.ts`). */
export interface CorpusLine {
  label: 'secret' | 'benign';
  kind: string;
  text: string;
  secrets?: string[];
}

export function readCorpus(): CorpusLine[] {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'corpus.jsonl');
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as CorpusLine);
}

/** True when any 12-character piece of the secret (or all of a shorter one) is still in the output. */
export function leaks(output: string, secret: string): boolean {
  const width = Math.min(secret.length, 12);
  for (let i = 0; i + width <= secret.length; i++) if (output.includes(secret.slice(i, i + width))) return true;
  return false;
}
