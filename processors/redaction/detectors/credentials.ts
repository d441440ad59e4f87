import { AT_SIGN, CREDENTIAL_RUN, DASHES, LONG_TOKEN } from './clues.js';
import { type Detector, patternDetector } from './detector.js';

/**
 * Credentials with a recognisable shape: vendor token formats, JWTs, `Authorization` values,
 * passwords in URLs and PEM private keys. Formats follow the vendors' published prefixes; lengths are
 * bounded so that no pattern can scan further than one token.
 */

/** `header.payload.signature`, base64url; header and payload are JSON objects, so both start `eyJ`. */
export const jwtDetector = patternDetector({
  name: 'jwt',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![\w-])eyJ[\w-]{12,4096}\.eyJ[\w-]{2,16384}\.[\w-]{0,4096}/,
});

/** AWS access key ids: a four-letter type prefix and 16 base-32 characters. */
export const awsAccessKeyIdDetector = patternDetector({
  name: 'aws_access_key_id',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])/,
});

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

/** GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens, and fine-grained PATs. */
export const githubTokenDetector = patternDetector({
  name: 'github_token',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/,
});

/** GitLab tokens: personal/project/group (`glpat-`), deploy, runner, CI job, feed, OAuth and others. */
export const gitlabTokenDetector = patternDetector({
  name: 'gitlab_token',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![\w-])gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat|agent|cf)-[A-Za-z0-9_-]{20,64}(?![\w-])/,
});

/** Slack bot/user/app/config tokens and incoming-webhook paths. */
export const slackTokenDetector = patternDetector({
  name: 'slack_token',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![\w-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})(?![\w-])|(?<=hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9_/-]{10,200}/,
});

/** Stripe secret and restricted keys, live or test, and webhook signing secrets (publishable keys are public). */
export const stripeKeyDetector = patternDetector({
  name: 'stripe_key',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![A-Za-z0-9_])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{20,100})(?![A-Za-z0-9_])/,
});

/** Google API keys, OAuth access tokens and OAuth client secrets. */
export const googleApiKeyDetector = patternDetector({
  name: 'google_api_key',
  trigger: { clues: LONG_TOKEN },
  pattern: /(?<![\w-])(?:AIza[\w-]{35}|ya29\.[\w-]{20,2048}|GOCSPX-[\w-]{28})(?![\w-])/,
});

/**
 * The credential of an `Authorization: Bearer …` or `Basic …` value, with or without the header name.
 * In prose ("the bearer token expired", "basic usage") the word after the scheme is an ordinary word,
 * so a bearer credential must look random (a digit or a symbol, 12+ characters) and a basic one must
 * be base64 of `user:password` (12+ characters, so at least 7 bytes: shorter ones are left to the
 * `Authorization:` key rule).
 */
export const authorizationDetector = patternDetector({
  name: 'authorization',
  trigger: { clues: CREDENTIAL_RUN, words: ['bearer', 'basic'], minLength: 18 },
  pattern: /(?<![\w-])(bearer|basic)[ \t]{1,8}([A-Za-z0-9._~+/-]{1,8192}=*)/i,
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
});

/**
 * PEM private keys (`-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`), the whole block.
 * A block without its END line (a cut-off message) is redacted to the end of the text: the rest of
 * it is key material. Uses `indexOf`, not a lazy regex, so a text full of BEGIN lines stays linear.
 */
export const privateKeyDetector: Detector = {
  name: 'private_key',
  trigger: { clues: DASHES },
  find(text, out) {
    let from = 0;
    while (true) {
      const begin = text.indexOf('-----BEGIN ', from);
      if (begin < 0) return;
      PEM_BEGIN.lastIndex = begin;
      if (!PEM_BEGIN.test(text)) {
        from = begin + 11;
        continue;
      }
      const endMarker = text.indexOf('-----END ', PEM_BEGIN.lastIndex);
      let end = text.length;
      if (endMarker >= 0) {
        const close = text.indexOf('-----', endMarker + 9);
        end = close >= 0 && close - endMarker <= 64 ? close + 5 : text.length;
      }
      out.push({ start: begin, end, kind: 'private_key' });
      from = end;
    }
  },
};
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,4}PRIVATE KEY(?: BLOCK)?-----/y;

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
