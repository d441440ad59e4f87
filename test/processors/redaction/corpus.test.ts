import { describe, expect, it } from 'vitest';
import { leaks, readCorpus } from './corpus/corpus.js';
import { redactorFor } from './redactor-for.js';

/**
 * The labelled corpus (`corpus/corpus.jsonl`, written by `corpus/generate-corpus.ts`): every secret
 * must be caught with the default rules, and at most 1% of the benign lines may be touched.
 */
describe('labelled corpus, default rules', () => {
  const corpus = readCorpus();
  const secretLines = corpus.filter((line) => line.label === 'secret');
  const benignLines = corpus.filter((line) => line.label === 'benign');
  const redactor = redactorFor();

  it('has at least 300 secret-bearing and 300 benign lines', () => {
    expect(secretLines.length).toBeGreaterThanOrEqual(300);
    expect(benignLines.length).toBeGreaterThanOrEqual(300);
  });

  it('catches every secret (recall 100%) and touches at most 1% of benign lines', () => {
    const missed = secretLines.filter((line) => {
      const output = redactor.redactValue(line.text) as string;
      return output === line.text || line.secrets!.some((secret) => leaks(output, secret));
    });
    const falsePositives = benignLines.filter((line) => redactor.redactValue(line.text) !== line.text);
    const recall = (secretLines.length - missed.length) / secretLines.length;
    const fpRate = falsePositives.length / benignLines.length;
    process.stdout.write(
      `redaction corpus: recall ${(recall * 100).toFixed(1)}% (${secretLines.length - missed.length}/${secretLines.length} secret lines), ` +
        `false positives ${(fpRate * 100).toFixed(2)}% (${falsePositives.length}/${benignLines.length} benign lines)\n`,
    );
    expect(missed.map((line) => line.text)).toEqual([]);
    expect(fpRate).toBeLessThanOrEqual(0.01);
  });

  it('covers every default detector family with at least 20 secret lines each', () => {
    const byKind = new Map<string, number>();
    for (const line of secretLines) byKind.set(line.kind, (byKind.get(line.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) expect(n, kind).toBeGreaterThanOrEqual(20);
    expect(byKind.size).toBeGreaterThanOrEqual(14);
  });
});
