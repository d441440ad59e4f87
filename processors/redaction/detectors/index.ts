import type { KeyRules } from '../key-rules.js';
import { scanClues } from './clues.js';
import { commandLineDetector } from './command-line.js';
import {
  azureClientSecretDetector,
  azureIdentifiableKeyDetector,
  azureStorageKeyDetector,
  labelledSecretDetector,
  mailchimpKeyDetector,
  telegramBotTokenDetector,
  terraformTokenDetector,
} from './contextual.js';
import { authorizationDetector, awsSecretAccessKeyDetector, oracleCredentialsDetector, urlCredentialsDetector } from './credentials.js';
import { customPatternDetector } from './custom-pattern.js';
import type { Detector, Span } from './detector.js';
import { keyValueDetector } from './key-value.js';
import { paymentCardDetector } from './payment-card.js';
import { emailDetector, ibanDetector, ipv4Detector, ipv6Detector, phoneDetector, ssnDetector } from './personal-data.js';
import { armouredKeyDetector, HEADERLESS_KEY_TOKENS, puttyKeyDetector } from './private-key.js';
import { tokenScanner, type TokenRule } from './token-scanner.js';
import { AI_TOKENS, CLOUD_TOKENS, REGISTRY_TOKENS, VCS_CI_TOKENS } from './tokens-platform.js';
import { MESSAGING_TOKENS, PAYMENT_TOKENS, SERVICE_TOKENS } from './tokens-services.js';
import { chatWebhookDetectors, slackWebhookDetector } from './webhooks.js';

export type { Detector, Span, Trigger } from './detector.js';

/** What one built-in detector is made of: detectors of its own, and formats for the token scanner. */
interface BuiltIn {
  default: boolean;
  detectors?: (rules: KeyRules) => readonly Detector[];
  tokens?: readonly TokenRule[];
}

/** The prefixed formats, grouped by family for the catalogue; each rule's kind is a detector name. */
export const TOKEN_FAMILIES: Readonly<Record<string, readonly TokenRule[]>> = {
  cloud: CLOUD_TOKENS,
  'AI providers': AI_TOKENS,
  'package registries': REGISTRY_TOKENS,
  'source hosting and CI': VCS_CI_TOKENS,
  payment: PAYMENT_TOKENS,
  'e-mail and SMS': MESSAGING_TOKENS,
  'chat, observability and other services': SERVICE_TOKENS,
};
const ALL_TOKENS: readonly TokenRule[] = Object.values(TOKEN_FAMILIES).flat();

/** Every built-in detector by name; `default: true` ones run unless turned off. */
const BUILT_IN: Record<string, BuiltIn> = {
  card: { default: true, detectors: () => [paymentCardDetector] },
  aws_secret_access_key: { default: true, detectors: () => [awsSecretAccessKeyDetector] },
  private_key: { default: true, detectors: () => [armouredKeyDetector, puttyKeyDetector], tokens: HEADERLESS_KEY_TOKENS },
  azure_client_secret: { default: true, detectors: () => [azureClientSecretDetector] },
  azure_identifiable_key: { default: true, detectors: () => [azureIdentifiableKeyDetector] },
  azure_storage_key: { default: true, detectors: () => [azureStorageKeyDetector] },
  telegram_bot_token: { default: true, detectors: () => [telegramBotTokenDetector] },
  mailchimp_api_key: { default: true, detectors: () => [mailchimpKeyDetector] },
  terraform_token: { default: true, detectors: () => [terraformTokenDetector] },
  chat_webhook: { default: true, detectors: () => chatWebhookDetectors },
  authorization: { default: true, detectors: () => [authorizationDetector] },
  url_credentials: { default: true, detectors: () => [urlCredentialsDetector, oracleCredentialsDetector] },
  key_value: { default: true, detectors: (rules) => [keyValueDetector(rules)] },
  command_line: { default: true, detectors: (rules) => [commandLineDetector(rules)] },
  labelled_secret: { default: true, detectors: () => [labelledSecretDetector] },
  email: { default: true, detectors: () => [emailDetector] },
  ssn: { default: true, detectors: () => [ssnDetector] },
  phone: { default: false, detectors: () => [phoneDetector] },
  ipv4: { default: false, detectors: () => [ipv4Detector] },
  ipv6: { default: false, detectors: () => [ipv6Detector] },
  iban: { default: false, detectors: () => [ibanDetector] },
};
for (const rule of ALL_TOKENS) {
  const entry = (BUILT_IN[rule.kind] ??= { default: true, tokens: [] });
  entry.tokens = [...(entry.tokens ?? []), rule];
}
// Slack's webhooks are Slack credentials: `-slack_token` turns both off.
BUILT_IN.slack_token!.detectors = () => [slackWebhookDetector];

export const DETECTOR_NAMES: readonly string[] = Object.keys(BUILT_IN);
export const DEFAULT_DETECTORS: readonly string[] = DETECTOR_NAMES.filter((name) => BUILT_IN[name]!.default);

/** No built-in secret is shorter than `pwd=x`. */
const MIN_SECRET_LENGTH = 5;

interface GatedDetector {
  detector: Detector;
  clues: number;
  minLength: number;
  /** Index into the word patterns, or -1 when no word is needed. */
  words: number;
  marks: readonly string[] | undefined;
}

/**
 * The detectors of one configuration, compiled once. `find` runs the custom patterns on every string,
 * then scans the string's clues once and runs only the built-in detectors whose clues (and trigger
 * words) are present — so a string that cannot hold a secret (most log values) costs one pass over
 * its characters and no regex. All prefixed vendor formats of the configuration share one token
 * scanner, which walks the string once whatever the number of formats.
 */
export class DetectorSet {
  private readonly always: readonly Detector[];
  private readonly gated: readonly GatedDetector[];
  private readonly wordPatterns: readonly RegExp[];
  /** Per call: whether word pattern i is in the text (1), is not (0), or was not needed yet (-1). */
  private readonly wordsSeen: Int8Array;

  constructor(names: readonly string[], patterns: readonly { name: string; pattern: RegExp }[], rules: KeyRules) {
    const always: Detector[] = patterns.map(({ name, pattern }) => customPatternDetector(name, pattern));
    const detectors: Detector[] = [];
    const tokens: TokenRule[] = [];
    for (const name of names) {
      const builtIn = BUILT_IN[name];
      if (!builtIn) continue;
      if (builtIn.detectors) detectors.push(...builtIn.detectors(rules));
      if (builtIn.tokens) tokens.push(...builtIn.tokens);
    }
    if (tokens.length > 0) detectors.unshift(tokenScanner(tokens));
    const gated: GatedDetector[] = [];
    const wordSources: string[] = [];
    for (const detector of detectors) {
      const trigger = detector.trigger;
      if (trigger === undefined) {
        always.push(detector);
        continue;
      }
      if (trigger.words !== undefined && trigger.words.length === 0) continue; // nothing it could find
      let words = -1;
      if (trigger.words !== undefined) {
        const source = trigger.words.map(escapeRegExp).join('|');
        words = wordSources.indexOf(source);
        if (words < 0) words = wordSources.push(source) - 1;
      }
      gated.push({ detector, clues: trigger.clues, minLength: trigger.minLength ?? 0, words, marks: trigger.marks });
    }
    this.always = always;
    this.gated = gated;
    this.wordPatterns = wordSources.map((source) => new RegExp(source, 'i'));
    this.wordsSeen = new Int8Array(wordSources.length);
  }

  /** Appends the secrets of every detector to `spans`; the custom patterns' come first. */
  find(text: string, spans: Span[]): void {
    for (const detector of this.always) detector.find(text, spans);
    if (text.length < MIN_SECRET_LENGTH) return;
    const clues = scanClues(text);
    if (clues === 0) return;
    this.wordsSeen.fill(-1);
    for (const { detector, clues: needed, minLength, words, marks } of this.gated) {
      if ((needed !== 0 && (clues & needed) === 0) || text.length < minLength) continue;
      if (marks !== undefined && !hasMark(text, marks)) continue;
      if (words >= 0 && !this.hasWords(text, words)) continue;
      detector.find(text, spans);
    }
  }

  private hasWords(text: string, index: number): boolean {
    let seen = this.wordsSeen[index]!;
    if (seen < 0) {
      seen = this.wordPatterns[index]!.test(text) ? 1 : 0;
      this.wordsSeen[index] = seen;
    }
    return seen === 1;
  }
}

function hasMark(text: string, marks: readonly string[]): boolean {
  for (const mark of marks) if (text.includes(mark)) return true;
  return false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
