import { DASHES, SEPARATOR } from './clues.js';
import type { Detector, Span } from './detector.js';
import { BASE64, fake } from './fake-values.js';
import { tokenRule, type TokenRule } from './token-scanner.js';

/**
 * Private keys in every form they are written in: PEM/OpenSSH/PGP armour (`-----BEGIN … PRIVATE
 * KEY-----`), the SSH2 (RFC 4716 style) armour with four dashes, PuTTY `.ppk` files, and key bodies
 * pasted without their armour (base64 DER that starts like a PKCS#1, PKCS#8, SEC1 or OpenSSH key).
 */

/**
 * Armoured keys, the whole block. A block without its END line (a cut-off message) is redacted to
 * the end of the text: the rest of it is key material. Uses `indexOf`, not a lazy regex, so a text
 * full of BEGIN lines stays linear.
 */
export const armouredKeyDetector: Detector = {
  name: 'private_key',
  trigger: { clues: DASHES },
  find(text, out) {
    findBlocks(text, '-----BEGIN ', PEM_BEGIN, '-----END ', '-----', out);
    findBlocks(text, '---- BEGIN SSH2 ', SSH2_BEGIN, '---- END SSH2 ', '----', out);
  },
};
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,4}PRIVATE KEY(?: BLOCK)?-----/y;
const SSH2_BEGIN = /---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----/y;

function findBlocks(text: string, opener: string, begin: RegExp, closer: string, dashes: string, out: Span[]): void {
  let from = 0;
  while (true) {
    const at = text.indexOf(opener, from);
    if (at < 0) return;
    begin.lastIndex = at;
    if (!begin.test(text)) {
      from = at + opener.length;
      continue;
    }
    const endMarker = text.indexOf(closer, begin.lastIndex);
    let end = text.length;
    if (endMarker >= 0) {
      const close = text.indexOf(dashes, endMarker + closer.length);
      end = close >= 0 && close - endMarker <= 64 ? close + dashes.length : text.length;
    }
    out.push({ start: at, end, kind: 'private_key' });
    from = end;
  }
}

/**
 * PuTTY key files: the `Private-Lines:` section up to and including the `Private-MAC:` line (the
 * public part and the comment stay readable). Without a MAC line, to the end of the text.
 */
export const puttyKeyDetector: Detector = {
  name: 'private_key',
  trigger: { clues: SEPARATOR, marks: ['Private-Lines'], minLength: 20 },
  find(text, out) {
    let from = 0;
    while (true) {
      const at = text.indexOf('Private-Lines:', from);
      if (at < 0) return;
      const mac = text.indexOf('Private-MAC:', at);
      let end = text.length;
      if (mac >= 0) {
        end = mac + 12;
        while (end < text.length && /[ \t0-9a-fA-F]/.test(text[end]!)) end++;
      }
      out.push({ start: at, end, kind: 'private_key' });
      from = end;
    }
  },
};

/** The base64 of a key body runs across lines, real or JSON-escaped (`\n`). */
const BODY = '(?:[A-Za-z0-9+/=]|\\\\n|\\r?\\n){40,16384}';

/** Key bodies without armour, recognised by the DER (or OpenSSH) header their base64 starts with. */
export const HEADERLESS_KEY_TOKENS: readonly TokenRule[] = [
  tokenRule(
    'private_key',
    'private key bodies without armour: base64 DER of PKCS#1, PKCS#8 (plain or encrypted), SEC1 EC and Ed25519 keys, and OpenSSH keys',
    ['MII', 'MIG', 'MHcCAQEE', 'MC4CAQAw', 'b3BlbnNzaC1rZXktdjE'],
    `(?:MII[A-Za-z0-9+/]{3}(?:IBAAKC|IBADANBgkqhkiG9w0BAQEFAAS)|MII[A-Za-z0-9+/]{5}BgkqhkiG9w0BBQ0w|MIG[A-Za-z0-9+/]AgE[AB]|MHcCAQEE|MC4CAQAwBQYDK2Vw|b3BlbnNzaC1rZXktdjE)${BODY}`,
    `MIIEpAIBAAKCAQEA${fake(BASE64, 64, 'pkcs1')}`,
  ),
];

/** The armoured form, for the catalogue and the tests. */
export const ARMOURED_KEY_EXAMPLE = `-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU${fake(BASE64, 40, 'openssh')}\\n-----END OPENSSH PRIVATE KEY-----`;

/**
 * True when `text` opens a private key block it does not close: a line-oriented reader (the CLI on
 * plain-text logs) must then treat the following lines as key material until an END line.
 */
export function opensPrivateKeyBlock(text: string): boolean {
  const begin = text.lastIndexOf('-----BEGIN ');
  if (begin < 0) return false;
  PEM_BEGIN.lastIndex = begin;
  return PEM_BEGIN.test(text) && text.indexOf('-----END ', PEM_BEGIN.lastIndex) < 0;
}
