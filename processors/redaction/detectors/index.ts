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
import type { Detector } from './detector.js';
import { keyValueDetector } from './key-value.js';
import { paymentCardDetector } from './payment-card.js';
import { emailDetector, ibanDetector, ipv4Detector, ipv6Detector, phoneDetector, ssnDetector } from './personal-data.js';

export type { Detector, Span } from './detector.js';

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

/**
 * The detectors of one configuration, compiled once: the built-in ones that are on, the custom
 * patterns, and the prefilter — one case-insensitive regex made of every built-in trigger, so that a
 * string without any trigger (most log lines) costs a single native scan.
 */
export class DetectorSet {
  /** Run only when the prefilter matches. */
  readonly triggered: readonly Detector[];
  /** Run on every string (custom patterns, and any detector without a trigger). */
  readonly always: readonly Detector[];
  private readonly prefilter: RegExp | undefined;

  constructor(names: readonly string[], patterns: readonly { name: string; pattern: RegExp }[], rules: KeyRules) {
    const triggered: Detector[] = [];
    const always: Detector[] = [];
    for (const name of names) {
      const detector = BUILT_IN[name]?.make(rules);
      if (!detector) continue;
      (detector.trigger === undefined ? always : triggered).push(detector);
    }
    for (const { name, pattern } of patterns) always.push(customPatternDetector(name, pattern));
    this.triggered = triggered;
    this.always = always;
    this.prefilter = triggered.length > 0 ? new RegExp(triggered.map((d) => `(?:${d.trigger})`).join('|'), 'i') : undefined;
  }

  /** True when some triggered detector may find something in `text`. */
  mayMatch(text: string): boolean {
    return this.prefilter !== undefined && this.prefilter.test(text);
  }
}
