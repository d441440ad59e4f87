import { describe, expect, it } from 'vitest';
import { ANGLE, AT_SIGN, CREDENTIAL_RUN, DASHES, DIGIT_DOT, DIGIT_RUN, LONG_CREDENTIAL_RUN, LONG_TOKEN, OPTION, scanClues, SEPARATOR } from '../../../processors/redaction/detectors/clues.js';

const has = (text: string, clue: number) => (scanClues(text) & clue) !== 0;

describe('clues', () => {
  it('finds none in an ordinary request log line, so no detector runs on it', () => {
    expect(scanClues('order 100123 checked out by customer 5 in 42 ms')).toBe(0);
    // A user agent has version numbers and `AppleWebKit/537.36`; it is scanned once, then cached as clean.
    expect(scanClues('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36')).toBe(DIGIT_DOT | CREDENTIAL_RUN);
  });

  it('sees a run of 7+ digits across the separators of card, SSN and phone numbers', () => {
    for (const text of ['4111 1111 1111 1111', '4111-1111-1111-1111', '078-05-1120', '+1 (555) 123-4567']) expect(has(text, DIGIT_RUN), text).toBe(true);
    expect(has('order 100123, item 4567', DIGIT_RUN)).toBe(false);
  });

  it('sees tokens of 15+ characters, @, key separators and PEM dashes', () => {
    expect(has('ghp_0123456789abcdefghij', LONG_TOKEN)).toBe(true);
    expect(has('a short sentence with words', LONG_TOKEN)).toBe(false);
    expect(has('jane@example.com', AT_SIGN)).toBe(true);
    expect(has('password=x', SEPARATOR)).toBe(true);
    expect(has('-----BEGIN PRIVATE KEY-----', DASHES)).toBe(true);
    expect(has('10.0.0.1', DIGIT_DOT)).toBe(true);
    expect(has('Basic dXNlcjpodW50ZXIy', CREDENTIAL_RUN)).toBe(true);
    expect(has('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', CREDENTIAL_RUN)).toBe(true);
    expect(has('the bearer token expired', CREDENTIAL_RUN)).toBe(false);
  });

  it('sees command-line options, XML elements and SSH2 armour', () => {
    expect(has('mysql -pS3cret', OPTION)).toBe(true);
    expect(has('app --password x', OPTION)).toBe(true);
    expect(has("argv ['--token', 'x']", OPTION)).toBe(true);
    expect(has('a well-known re-run', OPTION)).toBe(false);
    expect(has('<password>x</password>', ANGLE)).toBe(true);
    expect(has('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----', DASHES)).toBe(true);
    expect(has(`AccountKey=${'Ab1+'.repeat(22)}==`, LONG_CREDENTIAL_RUN)).toBe(true);
    expect(has('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', LONG_CREDENTIAL_RUN)).toBe(false);
  });
});
