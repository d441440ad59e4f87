import { CONTEXTUAL_EXAMPLES } from './contextual.js';
import { ALNUM, BASE64, fake } from './fake-values.js';
import { DEFAULT_DETECTORS, DETECTOR_NAMES, TOKEN_FAMILIES } from './index.js';
import { ARMOURED_KEY_EXAMPLE } from './private-key.js';
import { CHAT_WEBHOOK_EXAMPLE } from './webhooks.js';

/**
 * The detector catalogue: what each built-in detector recognises and a fake value it catches. The
 * README's catalogue table is this list, and the tests hold every example to its detector — so the
 * documentation cannot drift from the code.
 */
export interface CatalogueEntry {
  name: string;
  family: string;
  describes: string;
  example: string;
  onByDefault: boolean;
}

const OTHER_DETECTORS: Record<string, { family: string; describes: string; example: string }> = {
  card: { family: 'payment', describes: 'payment card numbers (13–19 digits, spaced, dashed or not) with a known issuer prefix and a valid Luhn check digit', example: '4111 1111 1111 1111' },
  aws_secret_access_key: { family: 'cloud', describes: 'AWS secret access keys (40 characters) next to an AWS word or an access key id', example: `aws_secret ${fake(BASE64, 40, 'aws-secret')}` },
  private_key: { family: 'private keys', describes: 'private keys: PEM, OpenSSH, PGP and SSH2 armour (the whole block, or to the end when cut off), PuTTY `Private-Lines`, and unarmoured base64 DER/OpenSSH bodies', example: ARMOURED_KEY_EXAMPLE },
  chat_webhook: { family: 'chat webhooks', describes: 'the secret part of Discord, Microsoft Teams, Google Chat, Webex and Telegram webhook URLs, and of `/hooks/<secret>` paths (Mattermost, Rocket.Chat, Zapier); Slack webhooks are `slack_token`', example: CHAT_WEBHOOK_EXAMPLE },
  authorization: { family: 'HTTP', describes: 'the credential of `Authorization: Bearer/Basic/ApiKey/SSWS …` values, with or without the header name', example: `Authorization: Bearer ${fake(ALNUM, 32, 'bearer')}` },
  url_credentials: { family: 'database and broker connection strings', describes: 'the password of `scheme://user:password@host` (PostgreSQL, MySQL, MongoDB, Redis, AMQP, Kafka, NATS, HTTP …) and of Oracle `user/password@db` connect strings', example: 'postgres://app:S3cr3t-pw@db.internal:5432/shop' },
  key_value: { family: 'structured text', describes: 'values of blocked keys in `key=value`, `key: value`, `"key": "value"`, `key => value`, `key := value`, `<key>value</key>`, `name="key" value="…"`, `:key "value"`, `Cookie:` headers — whatever precedes the key (`--`, `-D`, `.`, `export`)', example: '-Dspring.datasource.password=S3cr3t-pw' },
  command_line: { family: 'command lines', describes: 'passwords passed as arguments: `--password x`, `-storepass x`, `mysql -pX`, `sshpass -p`, `docker login -p`, `redis-cli -a`, `ldapsearch -w`, `curl -u user:pw`, `htpasswd -b`, and logged argv lists', example: 'mysql -u root -pS3cr3t-pw shop' },
  labelled_secret: { family: 'structured text', describes: CONTEXTUAL_EXAMPLES.labelled_secret!.describes, example: CONTEXTUAL_EXAMPLES.labelled_secret!.example },
  email: { family: 'personal data', describes: 'e-mail addresses (not SSH remotes such as `git@github.com:org/repo`)', example: 'jane.doe@example.com' },
  ssn: { family: 'personal data', describes: 'US social security numbers written `123-45-6789` (not the never-issued ranges)', example: '078-05-1120' },
  phone: { family: 'personal data', describes: 'phone numbers, international or grouped national, 10–15 digits (opt-in)', example: '+49 30 1234 5678' },
  ipv4: { family: 'personal data', describes: 'IPv4 addresses (opt-in)', example: '192.168.1.20' },
  ipv6: { family: 'personal data', describes: 'IPv6 addresses (opt-in)', example: 'fe80::1ff:fe23:4567:890a' },
  iban: { family: 'personal data', describes: 'IBANs with a valid ISO 13616 checksum (opt-in)', example: 'DE89 3704 0044 0532 0130 00' },
};

const CONTEXTUAL_FAMILIES: Record<string, string> = {
  azure_client_secret: 'cloud',
  azure_identifiable_key: 'cloud',
  azure_storage_key: 'cloud',
  telegram_bot_token: 'chat, observability and other services',
  mailchimp_api_key: 'e-mail and SMS',
  terraform_token: 'cloud',
};

/** Every built-in detector, in configuration order, with its family, description and example. */
export function detectorCatalogue(): CatalogueEntry[] {
  const byName = new Map<string, Omit<CatalogueEntry, 'onByDefault'>>();
  for (const [family, rules] of Object.entries(TOKEN_FAMILIES)) {
    for (const rule of rules) {
      const known = byName.get(rule.kind);
      // a detector with several formats (stripe_key's sk_/rk_/whsec_) is one row
      if (known === undefined) byName.set(rule.kind, { name: rule.kind, family, describes: rule.describes, example: rule.example });
    }
  }
  for (const [name, family] of Object.entries(CONTEXTUAL_FAMILIES)) byName.set(name, { name, family, ...CONTEXTUAL_EXAMPLES[name]! });
  for (const [name, entry] of Object.entries(OTHER_DETECTORS)) byName.set(name, { name, ...entry });
  return DETECTOR_NAMES.map((name) => {
    const entry = byName.get(name);
    if (entry === undefined) throw new Error(`detector ${name} has no catalogue entry`);
    return { ...entry, onByDefault: DEFAULT_DETECTORS.includes(name) };
  });
}

/** An example as the README table shows it: one line, at most 64 characters. */
export function shownExample(example: string): string {
  const line = example.replace(/\n/g, '\\n');
  return line.length <= 64 ? line : `${line.slice(0, 61)}…`;
}
