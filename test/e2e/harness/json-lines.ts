import { readFile } from 'node:fs/promises';

/** Every line of a JSON-lines file (the Collector's file exporter), parsed; an absent file reads as empty. */
export async function readJsonLines(file: string): Promise<object[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as object);
}
