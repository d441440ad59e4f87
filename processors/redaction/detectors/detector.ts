/**
 * A value detector finds secrets inside a string and reports where they are, so that only the secret
 * part is replaced and the rest of the message stays readable.
 *
 * Every detector must run in time linear in the text: patterns start only at token boundaries (a
 * one-character lookbehind), every repetition is bounded or stops at a character it cannot contain,
 * and anything that needs more (Luhn, PEM blocks, `key=value`) is a hand-written scanner.
 */
export interface Detector {
  /** The name used in configuration and, unless a span says otherwise, the kind reported. */
  readonly name: string;
  /** What every text this detector can match contains; undefined means the detector always runs. */
  readonly trigger: Trigger | undefined;
  /** Appends the secrets found in `text`. */
  find(text: string, out: Span[]): void;
}

/**
 * When a detector is worth running: at least one of `clues` (a bit set from `clues.ts`; 0 for none
 * needed) is in the text, when `words` is given one of these words (case-insensitively), when `marks`
 * is given one of these markers (case-sensitively), and the text is at least `minLength` long.
 */
export interface Trigger {
  clues: number;
  words?: readonly string[];
  /**
   * Literal markers, case-sensitive, one of which the text must contain (`Q~`, `hooks.slack.com`):
   * checked with `includes`, which costs far less than a case-insensitive word regex.
   */
  marks?: readonly string[];
  /** Shorter texts cannot hold a match. */
  minLength?: number;
}

/** One secret in a string: `[start, end)` and the kind it is reported as. */
export interface Span {
  start: number;
  end: number;
  kind: string;
}

export interface PatternDetectorSpec {
  name: string;
  trigger: Trigger | undefined;
  /** Compiled once; the `g` and `d` flags are added. */
  pattern: RegExp;
  /** The capture group that is the secret (default: the whole match). */
  group?: number;
  /** A cheap check on the candidate (checksum, context) that rejects look-alikes. */
  accept?: (secret: string, text: string, start: number) => boolean;
  /** The kind reported (default: the name). */
  kind?: string;
}

/**
 * A detector from a regular expression. The regex is compiled once with `g` (and `d` when a group is
 * the secret); `find` resets `lastIndex`, so one instance serves every call.
 */
export function patternDetector(spec: PatternDetectorSpec): Detector {
  const flags = new Set([...spec.pattern.flags, 'g', ...(spec.group ? ['d'] : [])]);
  const regex = new RegExp(spec.pattern.source, [...flags].join(''));
  const group = spec.group ?? 0;
  const kind = spec.kind ?? spec.name;
  return {
    name: spec.name,
    trigger: spec.trigger,
    find(text, out) {
      regex.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = regex.exec(text)) !== null) {
        if (match[0].length === 0) regex.lastIndex++;
        let start = match.index;
        let end = start + match[0].length;
        if (group > 0) {
          const at = match.indices?.[group];
          if (!at) continue;
          [start, end] = at;
        }
        if (end <= start) continue;
        if (spec.accept && !spec.accept(text.slice(start, end), text, start)) continue;
        out.push({ start, end, kind });
      }
    },
  };
}
