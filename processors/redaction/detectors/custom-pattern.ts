import { type Detector, patternDetector } from './detector.js';

/**
 * A detector from a user's regular expression (`OTEL_LOGKIT_REDACT_PATTERNS=employee_id=EMP-\d{6}`).
 * When the pattern has a capture group, only group 1 is replaced (`order_secret=(\w+)` keeps the
 * name readable). It has no trigger: it runs on every string.
 */
export function customPatternDetector(name: string, pattern: RegExp): Detector {
  const hasGroup = new RegExp(`${pattern.source}|`).exec('')!.length > 1;
  return patternDetector({ name, trigger: undefined, pattern, group: hasGroup ? 1 : undefined });
}

/**
 * Why a pattern could take more than linear time, or undefined when it cannot. JavaScript's regex
 * engine backtracks, so a quantified group that itself contains a quantifier (`(a+)+`, `(\w+\s?)*`)
 * or a backreference can take exponential time on a hostile log line; such patterns are refused at
 * startup. This is a conservative syntactic check, not a proof: it rejects some safe patterns.
 */
export function unsafePatternReason(source: string): string | undefined {
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences';
  // Track, per open group, whether it contains a quantifier; a quantifier right after `)` of such a group nests.
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      if (!inClass && isQuantifierAt(source, i + 1)) markQuantified(stack);
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        if (isQuantifierAt(source, i + 1)) markQuantified(stack);
      }
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const inner = stack.pop() ?? false;
      if (isQuantifierAt(source, i + 1)) {
        if (inner) return 'a quantified group containing a quantifier';
        markQuantified(stack);
      } else if (inner) markQuantified(stack);
    } else if (c !== '*' && c !== '+' && c !== '?' && c !== '{' && isQuantifierAt(source, i + 1)) markQuantified(stack);
  }
  return undefined;
}

function isQuantifierAt(source: string, i: number): boolean {
  const c = source[i];
  if (c === '*' || c === '+') return true;
  if (c === '{') return /^\{\d+(,\d*)?\}/.test(source.slice(i, i + 16)) && !/^\{\d+\}/.test(source.slice(i, i + 16));
  return false;
}

function markQuantified(stack: boolean[]): void {
  if (stack.length > 0) stack[stack.length - 1] = true;
}
