/**
 * Clues: cheap facts about a string, gathered in one pass over its characters, that every secret of
 * some family leaves behind. A detector names the clues it needs; a string without any of them is
 * never handed to it. Most log values have none, so they cost one tight loop and no regex at all —
 * a combined trigger regex was tried first and cost several times more (alternations that start with
 * a character class defeat the regex engine's quick checks; a long-token test like `[\w-]{15}` is
 * retried at every position).
 */

/** 7 or more digits in one stretch of digits and separators (`4111 1111 …`, `078-05-1120`, `+1 (555) 123-4567`). */
export const DIGIT_RUN = 1;
/** An `@` (email addresses, `user:password@host`). */
export const AT_SIGN = 2;
/** A `:` or `=` (`key=value`, `key: value`, IPv6). */
export const SEPARATOR = 4;
/** Four dashes in a row (PEM armour has five, SSH2 armour four). */
export const DASHES = 8;
/** 15 or more `[A-Za-z0-9_-]` in a row: every vendor token, JWT segment and access key id is that long. */
export const LONG_TOKEN = 16;
/** A digit, a dot and a digit (dotted quads). */
export const DIGIT_DOT = 32;
/** 12 or more `[A-Za-z0-9._~+/=-]` in a row: a bearer token, basic credentials, an AWS secret key. */
export const CREDENTIAL_RUN = 64;
/** 64 or more `[A-Za-z0-9._~+/=-]` in a row: an Azure storage key, an identifiable Azure key, a Terraform token. */
export const LONG_CREDENTIAL_RUN = 512;
/** A `<` (XML elements: `<password>…</password>`). */
export const ANGLE = 256;
/** A `-` that starts a word (`--password`, `-pSecret`, `-Dkey=…`): a command-line option. */
export const OPTION = 128;

const MIN_DIGITS = 7;
const MIN_TOKEN = 15;
const MIN_CREDENTIAL = 12;
const MIN_LONG_CREDENTIAL = 64;

/**
 * The clues present in `text`, as a bit set. Written as a chain of comparisons, most frequent class
 * first: measured faster than a class-table lookup and a switch.
 */
export function scanClues(text: string): number {
  let clues = 0;
  let digits = 0;
  let token = 0;
  let dashes = 0;
  let credential = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      if (++token >= MIN_TOKEN) clues |= LONG_TOKEN;
      if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      digits = 0;
      dashes = 0;
    } else if (c === 32) {
      token = 0;
      dashes = 0;
      credential = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits >= MIN_DIGITS) clues |= DIGIT_RUN;
      if (++token >= MIN_TOKEN) clues |= LONG_TOKEN;
      if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      dashes = 0;
    } else if (c === 45) {
      if (credential === 0) clues |= OPTION;
      if (++token >= MIN_TOKEN) clues |= LONG_TOKEN;
      if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      if (++dashes >= 4) clues |= DASHES;
    } else if (c === 46) {
      if (digits > 0 && isDigit(text.charCodeAt(i + 1))) clues |= DIGIT_DOT;
      if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      token = 0;
      dashes = 0;
    } else if (c === 43 || c === 47) {
      // + / may separate the digit groups of a phone number, and are base64 characters
      if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      token = 0;
      dashes = 0;
    } else if (c === 40 || c === 41) {
      token = 0;
      dashes = 0;
      credential = 0;
    } else {
      if (c === 64) clues |= AT_SIGN;
      else if (c === 58) clues |= SEPARATOR;
      else if (c === 60) clues |= ANGLE;
      else if (c === 61) {
        clues |= SEPARATOR;
        if (++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      } else if (c === 126 && ++credential >= MIN_CREDENTIAL) clues |= credential >= MIN_LONG_CREDENTIAL ? CREDENTIAL_RUN | LONG_CREDENTIAL_RUN : CREDENTIAL_RUN;
      if (c !== 61 && c !== 126) credential = 0;
      token = 0;
      digits = 0;
      dashes = 0;
    }
  }
  return clues;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
