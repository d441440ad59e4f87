import { DIGIT_RUN } from './clues.js';
import type { Detector, Span } from './detector.js';

/**
 * Payment card numbers (PANs): 13–19 digits, contiguous or in groups separated by single spaces or
 * dashes, with a known issuer prefix for that length and a valid Luhn checksum. The prefix check is
 * what keeps epoch-millisecond timestamps and snowflake ids (they start with 1) from being cards.
 *
 * A hand-written scanner rather than a regex: a regex cannot compute Luhn, and finding the card inside
 * a longer run of digit groups ("4111 1111 1111 1111 12 25") would need backtracking. Each digit
 * group is visited at most 19 times (a card spans at most 19 digits), so the scan is linear.
 */
export const paymentCardDetector: Detector = {
  name: 'card',
  trigger: { clues: DIGIT_RUN },
  find(text, out) {
    findCards(text, out);
  },
};

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
/** Groups shorter than this end a grouped candidate: cards are written 4-4-4-4, 4-6-5, 4-6-4. */
const MIN_GROUP = 3;

function findCards(text: string, out: Span[]): void {
  const n = text.length;
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < n) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A run of digit groups, starting at a token boundary.
    const runStart = i;
    starts.length = 0;
    ends.length = 0;
    while (true) {
      let j = i;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      starts.push(i);
      ends.push(j);
      const sep = j < n ? text.charCodeAt(j) : 0;
      if ((sep === 32 || sep === 45) && j + 1 < n && isDigit(text.charCodeAt(j + 1))) i = j + 1;
      else {
        i = j;
        break;
      }
    }
    if (!gluedBefore(text, runStart) && !gluedAfter(text, i)) cardsInRun(text, starts, ends, out);
  }
}

/** Within one run of groups, the longest valid card starting at each group, left to right. */
function cardsInRun(text: string, starts: number[], ends: number[], out: Span[]): void {
  const groups = starts.length;
  let g = 0;
  while (g < groups) {
    let found = -1;
    let digits = '';
    for (let e = g; e < groups; e++) {
      const len = ends[e]! - starts[e]!;
      if (groups > 1 && len < MIN_GROUP) break;
      digits += text.slice(starts[e], ends[e]);
      if (digits.length > MAX_DIGITS) break;
      if (digits.length >= MIN_DIGITS && isCardNumber(digits)) found = e;
    }
    if (found >= 0) {
      out.push({ start: starts[g]!, end: ends[found]!, kind: 'card' });
      g = found + 1;
    } else g++;
  }
}

/** True when the digits have an issuer prefix valid for their length and pass the Luhn check. */
export function isCardNumber(digits: string): boolean {
  return hasIssuerPrefix(digits) && luhnValid(digits);
}

function hasIssuerPrefix(d: string): boolean {
  const len = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  switch (d.charCodeAt(0) - 48) {
    case 4: // Visa
      return len === 13 || len === 16 || len === 19;
    case 5: // Mastercard 51–55; Maestro 50, 56–59
      return p2 >= 51 && p2 <= 55 ? len === 16 : len >= 13;
    case 2: // Mastercard 2221–2720
      return p4 >= 2221 && p4 <= 2720 && len === 16;
    case 3:
      if (p2 === 34 || p2 === 37) return len === 15; // Amex
      if (p4 >= 3528 && p4 <= 3589) return len >= 16; // JCB
      return ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && len >= 14; // Diners
    case 6: // Discover, UnionPay, Maestro, RuPay
      return len >= 13;
    default:
      return false;
  }
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Digits glued to a word or a dotted token (`v1.4111…`, a hex id) are part of it, not a card. */
function gluedBefore(text: string, start: number): boolean {
  const c = text.charCodeAt(start - 1);
  // a percent-encoded separator (`number%3D4111…`, `%20`) ends the word before it
  if (text.charCodeAt(start - 3) === 37 && isHex(text.charCodeAt(start - 2)) && isHex(c)) return false;
  return isAlnum(c) || (c === 46 && isAlnum(text.charCodeAt(start - 2)));
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** A sentence may end right after a card ("… 4111111111111111."), but a decimal part may not. */
function gluedAfter(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  return isAlnum(c) || ((c === 46 || c === 44) && isDigit(text.charCodeAt(end + 1)));
}
