import type { KeyRules } from '../key-rules.js';
import {
  authorizationDetector,
  awsAccessKeyIdDetector,
  awsSecretAccessKeyDetector,
  githubTokenDetector,
  gitlabTokenDetector,
  googleApiKeyDetector,
  jwtDetector,
  privateKeyDetector,
  slackTokenDetector,
  stripeKeyDetector,
  urlCredentialsDetector,
} from './credentials.js';
import { customPatternDetector } from './custom-pattern.js';
import { scanClues } from './clues.js';
import type { Detector, Span } from './detector.js';
import { keyValueDetector } from './key-value.js';
import { paymentCardDetector } from './payment-card.js';
import { emailDetector, ibanDetector, ipv4Detector, ipv6Detector, phoneDetector, ssnDetector } from './personal-data.js';

export type { Detector, Span, Trigger } from './detector.js';

/** Every built-in detector by name; `default: true` ones run unless turned off. */
const BUILT_IN: Record<string, { default: boolean; make: (rules: KeyRules) => Detector }> = {
  card: { default: true, make: () => paymentCardDetector },
  jwt: { default: true, make: () => jwtDetector },
  aws_access_key_id: { default: true, make: () => awsAccessKeyIdDetector },
  aws_secret_access_key: { default: true, make: () => awsSecretAccessKeyDetector },
  github_token: { default: true, make: () => githubTokenDetector },
  gitlab_token: { default: true, make: () => gitlabTokenDetector },
  slack_token: { default: true, make: () => slackTokenDetector },
  stripe_key: { default: true, make: () => stripeKeyDetector },
  google_api_key: { default: true, make: () => googleApiKeyDetector },
  private_key: { default: true, make: () => privateKeyDetector },
  authorization: { default: true, make: () => authorizationDetector },
  url_credentials: { default: true, make: () => urlCredentialsDetector },
  key_value: { default: true, make: (rules) => keyValueDetector(rules) },
  email: { default: true, make: () => emailDetector },
  ssn: { default: true, make: () => ssnDetector },
  phone: { default: false, make: () => phoneDetector },
  ipv4: { default: false, make: () => ipv4Detector },
  ipv6: { default: false, make: () => ipv6Detector },
  iban: { default: false, make: () => ibanDetector },
};

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
}

/**
 * The detectors of one configuration, compiled once. `find` runs the custom patterns on every string,
 * then scans the string's clues once and runs only the built-in detectors whose clues (and trigger
 * words) are present — so a string that cannot hold a secret (most log values) costs one pass over
 * its characters and no regex.
 */
export class DetectorSet {
  private readonly always: readonly Detector[];
  private readonly gated: readonly GatedDetector[];
  private readonly wordPatterns: readonly RegExp[];
  /** Per call: whether word pattern i is in the text (1), is not (0), or was not needed yet (-1). */
  private readonly wordsSeen: Int8Array;

  constructor(names: readonly string[], patterns: readonly { name: string; pattern: RegExp }[], rules: KeyRules) {
    const always: Detector[] = patterns.map(({ name, pattern }) => customPatternDetector(name, pattern));
    const gated: GatedDetector[] = [];
    const wordSources: string[] = [];
    for (const name of names) {
      const detector = BUILT_IN[name]?.make(rules);
      if (!detector) continue;
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
      gated.push({ detector, clues: trigger.clues, minLength: trigger.minLength ?? 0, words });
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
    this.wordsSeen.fill(-1);
    for (const { detector, clues: needed, minLength, words } of this.gated) {
      if ((needed !== 0 && (clues & needed) === 0) || text.length < minLength) continue;
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
