import { isIPv4, isIPv6 } from 'node:net';
import { AT_SIGN, DIGIT_DOT, DIGIT_RUN, SEPARATOR } from './clues.js';
import { patternDetector } from './detector.js';

/**
 * Personal data (GDPR/HIPAA): email addresses and US social security numbers by default; phone
 * numbers, IP addresses and IBANs on request (they are often wanted in logs, and phone-like and
 * dotted-quad numbers are common in benign text).
 */

/**
 * Email addresses. An SSH remote (`git@github.com:org/repo.git`) has the same shape but no person
 * behind it, and in `scheme://user:password@host` the part before `@` is a password (the
 * url_credentials detector's), so both are left alone.
 */
export const emailDetector = patternDetector({
  name: 'email',
  trigger: { clues: AT_SIGN },
  pattern: /(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])/,
  accept: (address, text, start) => !(address.startsWith('git@') && text.charCodeAt(start + address.length) === 58) && !isUrlPassword(text, start),
});

function isUrlPassword(text: string, start: number): boolean {
  if (text.charCodeAt(start - 1) !== 58) return false;
  const scheme = text.lastIndexOf('://', start);
  return scheme >= 0 && start - scheme <= 300 && !/[\s/@]/.test(text.slice(scheme + 3, start - 1));
}

/** US SSNs written `123-45-6789`, without the numbers the SSA never issues (000, 666, 9xx, 00, 0000). */
export const ssnDetector = patternDetector({
  name: 'ssn',
  trigger: { clues: DIGIT_RUN },
  pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/,
});

/** Phone numbers: international `+` form, or grouped national numbers with 10–15 digits. */
export const phoneDetector = patternDetector({
  name: 'phone',
  trigger: { clues: DIGIT_RUN },
  pattern: /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])(?:\d{2,4}[ .-]){1,3}\d{2,4}(?![\w-]|\.\d)|(?<![\w+])\+\d{8,15}(?!\w)/,
  accept: (phone) => {
    const digits = phone.replace(/\D/g, '').length;
    return digits >= 10 && digits <= 15;
  },
});

/** IPv4 addresses (dotted quads with octets ≤ 255). */
export const ipv4Detector = patternDetector({
  name: 'ipv4',
  trigger: { clues: DIGIT_DOT },
  pattern: /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/,
  accept: (address) => isIPv4(address),
});

/** IPv6 addresses, validated by Node's parser (so `12:34:56` and `std::string` are not addresses). */
export const ipv6Detector = patternDetector({
  name: 'ipv6',
  trigger: { clues: SEPARATOR },
  pattern: /(?<![\w:.])[0-9A-Fa-f:]{2,39}(?:\.\d{1,3}){0,3}(?![\w:.]|\.\d)/,
  accept: (address) => /[0-9A-Fa-f]/.test(address) && isIPv6(address),
});

/** IBANs, with or without the usual groups of four, checked with ISO 13616's mod-97. */
export const ibanDetector = patternDetector({
  name: 'iban',
  trigger: { clues: DIGIT_RUN },
  pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/,
  accept: (iban) => ibanChecksumValid(iban.replace(/ /g, '')),
});

function ibanChecksumValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    const value = c >= 65 ? c - 55 : c - 48;
    remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}
