/** What one call redacted: how many values, and how many of each kind. Never the values themselves. */
export class RedactionSummary {
  count = 0;
  readonly kinds: Record<string, number> = Object.create(null);

  add(kind: string): void {
    this.count++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
  }

  /** Adds another summary's counts to this one. */
  merge(other: RedactionSummary): void {
    this.count += other.count;
    for (const kind in other.kinds) this.kinds[kind] = (this.kinds[kind] ?? 0) + other.kinds[kind]!;
  }
}

/** Summary attributes added to every record redaction changed (like the Collector's redaction processor). */
export const REDACTION_COUNT_ATTRIBUTE = 'redaction.count';
export const REDACTION_KINDS_ATTRIBUTE = 'redaction.kinds';

/** The summary attributes of one record: the count, and the kinds in alphabetical order. */
export function summaryAttributes(summary: RedactionSummary): { [REDACTION_COUNT_ATTRIBUTE]: number; [REDACTION_KINDS_ATTRIBUTE]: string[] } {
  return { [REDACTION_COUNT_ATTRIBUTE]: summary.count, [REDACTION_KINDS_ATTRIBUTE]: Object.keys(summary.kinds).sort() };
}
