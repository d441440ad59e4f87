import { CREDENTIAL_RUN, LONG_CREDENTIAL_RUN } from './clues.js';
import { type Detector, patternDetector, type Span } from './detector.js';
import { ALNUM, BASE64, fake, HEX } from './fake-values.js';

/**
 * Credentials without a prefix, recognised by a fixed marker inside them (`Q~`, `AZDO`, `atlasv1`,
 * `-us12`) or by the words next to them. Each runs only when its marker or words are in the text.
 */

/** A credential of this detector, for the catalogue and the tests. */
export interface Example {
  readonly example: string;
  readonly describes: string;
}

/** Microsoft Entra ID (Azure AD) client secrets: the `Q~` marker after four characters. */
export const azureClientSecretDetector = patternDetector({
  name: 'azure_client_secret',
  trigger: { clues: CREDENTIAL_RUN, marks: ['Q~'], minLength: 38 },
  pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/,
});

/**
 * Azure DevOps PATs and other Azure keys of Microsoft's identifiable format (84 characters with a
 * `JQQJ9` signature at 52 and a service signature such as `AZDO` at 76).
 */
export const azureIdentifiableKeyDetector = patternDetector({
  name: 'azure_identifiable_key',
  trigger: { clues: LONG_CREDENTIAL_RUN, marks: ['JQQJ9', 'AZDO'], minLength: 84 },
  pattern: /(?<![A-Za-z0-9+/_-])(?:[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}|[A-Za-z0-9+/_-]{52}JQQJ9[A-Za-z0-9+/_-]{20,40}={0,2})(?![A-Za-z0-9+/=_-])/,
});

/**
 * Azure storage account keys: 88 characters of base64 ending `==`, which only count next to an
 * Azure word (in `AccountKey=` the key rule already takes the value).
 */
export const azureStorageKeyDetector = patternDetector({
  name: 'azure_storage_key',
  trigger: { clues: LONG_CREDENTIAL_RUN, words: ['azure', 'storage', 'accountkey', 'blob.core', 'AzSt'], minLength: 88 },
  pattern: /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/,
});

/** Telegram bot tokens: the bot id, `:AA` and 33 characters. */
export const telegramBotTokenDetector = patternDetector({
  name: 'telegram_bot_token',
  trigger: { clues: CREDENTIAL_RUN, marks: [':AA'], minLength: 44 },
  pattern: /(?<![\w])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])/,
});

/** Mailchimp API keys: 32 hex digits and the data-centre suffix (`-us21`). */
export const mailchimpKeyDetector = patternDetector({
  name: 'mailchimp_api_key',
  trigger: { clues: CREDENTIAL_RUN, marks: ['-us'], minLength: 35 },
  pattern: /(?<![\w-])[0-9a-f]{32}-us\d{1,2}(?![\w-])/,
});

/** Terraform Cloud / HCP Terraform API tokens (`….atlasv1.…`). */
export const terraformTokenDetector = patternDetector({
  name: 'terraform_token',
  trigger: { clues: LONG_CREDENTIAL_RUN, marks: ['atlasv1'], minLength: 80 },
  pattern: /(?<![\w])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![\w=-])/,
});

/**
 * A credential named in prose: "using api key 3f9a…", "the token is ghx…", "secret abc123…". The word
 * alone is everywhere in logs ("token refreshed", "secret rotation scheduled"), so what follows it
 * must look generated: 16 or more token characters with both letters and digits.
 */
export const labelledSecretDetector: Detector = {
  name: 'labelled_secret',
  trigger: { clues: CREDENTIAL_RUN, words: ['key', 'secret', 'token', 'passw', 'passphrase', 'credential'], minLength: 20 },
  find(text, out) {
    findLabelled(text, out);
  },
};

const LABEL = /(?<![\w-])(?:(?:api|access|secret|private|license|master|signing|encryption|subscription|ingest|app)[ _-]?key|secret|(?:api|auth|access|bearer|session|refresh|bot|app|personal access|service|deploy|integration)?[ _-]?token|password|passwd|passphrase|credentials?)s?(?![\w-])/gi;
/** What may sit between the label and the credential: `is`, `was`, `of <name>`, `for <name>`, quotes, `#`. */
const BRIDGE = /[ \t]{1,4}(?:(?:is|was|used|set to|=|:|->)[ \t]{1,4}|(?:of|for|from)[ \t]{1,4}[\w.@-]{1,40}[ \t]{1,4}(?:is[ \t]{1,4})?)?["'`(]?/y;
const CREDENTIAL = /[A-Za-z0-9_\-+/=.~]{16,512}/y;

function findLabelled(text: string, out: Span[]): void {
  LABEL.lastIndex = 0;
  while (LABEL.exec(text) !== null) {
    BRIDGE.lastIndex = LABEL.lastIndex;
    if (!BRIDGE.test(text)) continue;
    CREDENTIAL.lastIndex = BRIDGE.lastIndex;
    const credential = CREDENTIAL.exec(text);
    if (credential === null) continue;
    let value = credential[0];
    // a sentence may end right after it
    while (value.endsWith('.')) value = value.slice(0, -1);
    if (!looksGenerated(value)) continue;
    out.push({ start: credential.index, end: credential.index + value.length, kind: 'labelled_secret' });
    LABEL.lastIndex = credential.index + value.length;
  }
}

/** Letters and digits mixed, not a path, a URL, a dotted name or a version. */
function looksGenerated(value: string): boolean {
  if (value.length < 16 || !/[A-Za-z]/.test(value) || !/\d/.test(value)) return false;
  if (/^[./]|\/\/|^v?\d+(?:\.\d+)+/.test(value)) return false;
  // dotted names (a.b.c) and paths have several separators and few digits
  const separators = (value.match(/[./]/g) ?? []).length;
  return separators < 2 || /\d{4}/.test(value);
}

export const CONTEXTUAL_EXAMPLES: Record<string, Example> = {
  azure_client_secret: { describes: 'Microsoft Entra ID (Azure AD) application client secrets (`…Q~…`)', example: `${fake(ALNUM, 3, 'az1')}8Q~${fake(ALNUM, 34, 'az2')}` },
  azure_identifiable_key: { describes: 'Azure DevOps PATs and Azure keys of the identifiable 84-character format (`JQQJ9…AZDO…`)', example: `${fake(ALNUM, 52, 'ado1')}JQQJ99${fake(ALNUM, 18, 'ado2')}AZDO${fake(ALNUM, 4, 'ado3')}` },
  azure_storage_key: { describes: 'Azure storage account keys (88 characters of base64) next to an Azure word', example: `azure storage key ${fake(BASE64, 86, 'azst')}==` },
  telegram_bot_token: { describes: 'Telegram bot tokens (`123456789:AA…`)', example: `7123456789:AA${fake(`${ALNUM}_-`, 33, 'telegram')}` },
  mailchimp_api_key: { describes: 'Mailchimp API keys (32 hex digits and `-us…`)', example: `${fake(HEX, 32, 'mailchimp')}-us21` },
  terraform_token: { describes: 'HCP Terraform / Terraform Cloud API tokens (`….atlasv1.…`)', example: `${fake(ALNUM, 14, 'tf1')}.atlasv1.${fake(ALNUM, 67, 'tf2')}` },
  labelled_secret: { describes: 'a generated-looking value named in prose: "api key …", "token is …", "secret …", "password for bob is …"', example: `datadog api key ${fake(HEX, 32, 'dd')}` },
};
