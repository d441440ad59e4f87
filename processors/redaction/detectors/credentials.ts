import { AT_SIGN, CREDENTIAL_RUN } from './clues.js';
import { patternDetector } from './detector.js';
import { PLACEHOLDER } from './key-value.js';

/**
 * Credentials recognised by their surroundings rather than a prefix: AWS secret keys next to AWS
 * words, `Authorization` values, passwords in URLs and in Oracle connect strings. (Prefixed vendor
 * tokens are the token scanner's: `tokens-platform.ts`, `tokens-services.ts`.)
 */

/**
 * AWS secret access keys are 40 characters of base64 with nothing distinctive, so they count only in
 * context: an AWS or "secret" word, or an access key id, within the 80 characters before. Mixed case
 * plus a digit is required, which rules out git SHAs (lower-case hex).
 */
export const awsSecretAccessKeyDetector = patternDetector({
  name: 'aws_secret_access_key',
  trigger: { clues: CREDENTIAL_RUN, words: ['aws', 'secret', 'akia', 'asia'], minLength: 43 },
  pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/,
  accept: (secret, text, start) =>
    /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /\d/.test(secret) && AWS_CONTEXT.test(text.slice(Math.max(0, start - 80), start)),
});
const AWS_CONTEXT = /aws|secret|AKIA|ASIA/i;

/**
 * The credential of an `Authorization: Bearer …` or `Basic …` value (also Elasticsearch's `ApiKey …`
 * and Okta's `SSWS …`), with or without the header name.
 * In prose ("the bearer token expired", "basic usage") the word after the scheme is an ordinary word,
 * so a bearer credential must look random (a digit or a symbol, 12+ characters) and a basic one must
 * be base64 of `user:password` (12+ characters, so at least 7 bytes: shorter ones are left to the
 * `Authorization:` key rule).
 */
export const authorizationDetector = patternDetector({
  name: 'authorization',
  trigger: { clues: CREDENTIAL_RUN, words: ['bearer', 'basic', 'apikey', 'ssws'], minLength: 18 },
  pattern: /(?<![\w-])(bearer|basic|apikey|ssws)[ \t]{1,8}([A-Za-z0-9._~+/-]{1,8192}=*)/i,
  group: 2,
  accept: (credential, text, start) => {
    const basic = /basic[ \t]*$/i.test(text.slice(Math.max(0, start - 16), start));
    return basic ? isBasicCredential(credential) : isBearerCredential(credential, text, start);
  },
});

function isBasicCredential(value: string): boolean {
  if (value.length < 12 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+=*$/.test(value)) return false;
  return Buffer.from(value, 'base64').toString('latin1').includes(':');
}

function isBearerCredential(value: string, text: string, start: number): boolean {
  if (/authorization\W{0,4}bearer[ \t]*$/i.test(text.slice(Math.max(0, start - 40), start))) return true;
  return value.length >= 12 && /[0-9._~+/=-]/.test(value) && /[A-Za-z]/.test(value);
}

/**
 * The password of `scheme://user:password@host`; the user and host stay readable. People paste
 * passwords without percent-encoding them, so `?`, `#` and `@` inside the password are accepted.
 */
export const urlCredentialsDetector = patternDetector({
  name: 'url_credentials',
  trigger: { clues: AT_SIGN },
  pattern: /(?<![\w+.-])[A-Za-z][\w+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,256}:([^\s/"'<>]{1,256})@/,
  group: 1,
  // a placeholder (`app:****@db`), or the token a sanitizer already put in place of the userinfo
  accept: (password, text, start) => !PLACEHOLDER.test(password) && !/\[(?:REDACTED|HASH)$/.test(text.slice(Math.max(0, start - 10), start - 1)),
});

/** Oracle connect strings: `jdbc:oracle:thin:scott/tiger@host:1521/svc`, `sqlplus scott/tiger@orcl`. */
export const oracleCredentialsDetector = patternDetector({
  name: 'url_credentials',
  trigger: { clues: AT_SIGN, words: ['oracle', 'sqlplus', 'sqlldr', 'expdp', 'impdp', 'rman'] },
  pattern: /(?:jdbc:oracle:(?:thin|oci):|\b(?:sqlplus|sqlldr|expdp|impdp|rman)(?:[ \t]{1,4}-[sSLl]\w{0,8}){0,3}[ \t]{1,4}(?:target=)?)[\w$#.-]{1,64}\/([^\s@/"']{1,256})@/,
  group: 1,
});
