import { describe, expect, it } from 'vitest';
import { DETECTOR_NAMES, DetectorSet, TOKEN_FAMILIES, type Span } from '../../../processors/redaction/detectors/index.js';
import { DEFAULT_BLOCKED_KEYS, KeyRules } from '../../../processors/redaction/key-rules.js';
import { redactorFor } from './redactor-for.js';

const defaults = redactorFor();
const all = redactorFor({ OTEL_LOGKIT_REDACT_DETECTORS: 'phone,ipv4,ipv6,iban' });
const redact = (text: string) => defaults.redactValue(text);

describe('value detectors (on by default)', () => {
  it('replace only the secret part of a message', () => {
    expect(redact('charging card 4111 1111 1111 1111 for order 100123')).toBe('charging card [REDACTED:card] for order 100123');
  });

  it('find payment cards with spaces, dashes or none, and check Luhn and the issuer prefix', () => {
    expect(redact('pan=5555-5555-5555-4444 ok')).toBe('pan=[REDACTED:card] ok');
    expect(redact('amex 3782 822463 10005')).toBe('amex [REDACTED:card]');
    expect(redact('card 4111111111111111.')).toBe('card [REDACTED:card].');
    expect(redact('card 4111 1111 1111 1111 12 27')).toBe('card [REDACTED:card] 12 27');
    // Luhn fails
    expect(redact('order 4111111111111112 shipped')).toBe('order 4111111111111112 shipped');
    // Luhn passes but no issuer starts with 1: an epoch-millisecond timestamp
    expect(redact('ts 1732262400008')).toBe('ts 1732262400008');
    // part of a longer token
    expect(redact('id a4111111111111111 v1.4111111111111111')).toBe('id a4111111111111111 v1.4111111111111111');
  });

  it('find JWTs, vendor tokens and AWS keys', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redact(`session ${jwt} expired`)).toBe('session [REDACTED:jwt] expired');
    expect(redact('token ghp_0123456789abcdefghijABCDEFGHIJ012345 used')).toBe('token [REDACTED:github_token] used');
    expect(redact('runner glpat-abcdefghij0123456789 registered')).toBe('runner [REDACTED:gitlab_token] registered');
    expect(redact('bot xoxb-123456789012-123456789012-abcdefghijABCDEFGHIJ1234')).toBe('bot [REDACTED:slack_token]');
    expect(redact('POST https://hooks.slack.com/services/T0000AAAA/B0000BBBBB/abcdefghijABCDEFGHIJ1234')).toBe('POST https://hooks.slack.com/services/[REDACTED:slack_token]');
    expect(redact('key sk_live_abcdefghijABCDEFGHIJ1234 rejected')).toBe('key [REDACTED:stripe_key] rejected');
    expect(redact('maps key AIzaSyA-abcdefghijABCDEFGHIJ0123456789_ ok')).toBe('maps key [REDACTED:google_api_key] ok');
    expect(redact('creds AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('creds [REDACTED:aws_access_key_id] [REDACTED:aws_secret_access_key]');
  });

  it('take an AWS secret key only in context, never a git SHA', () => {
    expect(redact('commit 3f786850e387550fdab836ed7e6dc881de23001b deployed')).toBe('commit 3f786850e387550fdab836ed7e6dc881de23001b deployed');
    expect(redact('blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  });

  it('redact a whole PEM private key block, or to the end when the block is cut off', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----';
    expect(redact(`key:\n${pem}\nloaded`)).toBe('key:\n[REDACTED:private_key]\nloaded');
    expect(redact('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAA…[truncated 4000 chars]')).toBe('[REDACTED:private_key]');
    expect(redact('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toContain('MIIB');
  });

  it('keep the scheme of an Authorization value and replace the credential', () => {
    expect(redact('Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543')).toBe('Authorization: Bearer [REDACTED:authorization]');
    expect(redact('sent Basic dXNlcjpodW50ZXIy to upstream')).toBe('sent Basic [REDACTED:authorization] to upstream');
    expect(redact('the bearer token expired')).toBe('the bearer token expired');
    expect(redact('Basic authentication disabled')).toBe('Basic authentication disabled');
  });

  it('replace the password of a URL and keep user and host', () => {
    expect(redact('postgres://app:S3cr3t!@db.internal:5432/shop')).toBe('postgres://app:[REDACTED:url_credentials]@db.internal:5432/shop');
    expect(redact('connected to postgres://db.internal:5432/shop')).toBe('connected to postgres://db.internal:5432/shop');
  });

  it('find email addresses and US SSNs, not SSH remotes or dates', () => {
    expect(redact('sent to jane.doe+news@example.co.uk.')).toBe('sent to [REDACTED:email].');
    expect(redact('cloned git@github.com:acme/shop.git')).toBe('cloned git@github.com:acme/shop.git');
    expect(redact('ssn 078-05-1120 on file')).toBe('ssn [REDACTED:ssn] on file');
    expect(redact('ssn 000-12-3456 and 2024-11-22')).toBe('ssn 000-12-3456 and 2024-11-22');
  });

  it('apply key rules to key=value text, quoted values and headers', () => {
    expect(redact('login user=bob password=hunter2 ok')).toBe('login user=bob password=[REDACTED:password] ok');
    expect(redact('{"user":"bob","client_secret":"a b c"}')).toBe('{"user":"bob","client_secret":"[REDACTED:client_secret]"}');
    expect(redact('GET /x?api_key=abc123&page=2')).toBe('GET /x?api_key=[REDACTED:api_key]&page=2');
    expect(redact('Cookie: sid=abc123XY; theme=dark')).toBe('Cookie: sid=[REDACTED:cookie]; theme=dark');
    expect(redact('body "{\\"passwd\\":\\"hunter2\\"}"')).toBe('body "{\\"passwd\\":\\"[REDACTED:passwd]\\"}"');
    expect(redact('db.password: Summer2024! pwd:hunter22')).toBe('db.password: [REDACTED:password] pwd:[REDACTED:pwd]');
  });

  it('leave prose about passwords and tokens alone', () => {
    for (const text of [
      'password: must be at least 12 characters',
      'token: expired',
      'Token: 3 of 5 used',
      'password=***** (masked)',
      'password=[REDACTED] token=<none>',
      'user requested a password reset',
      'tokens=1532 max_tokens=4096',
      "Access denied for user 'app'@'10.0.0.5' (using password: YES)",
      'secret: checkout-db-credentials (mounted)',
      'authorization: granted for role admin',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf',
    ]) {
      expect(redact(text), text).toBe(text);
    }
  });
});

describe('credentials on command lines and in configuration dumps (issue 18)', () => {
  it('find passwords and tokens passed as arguments, whatever precedes the key', () => {
    expect(redact('mysql -h db -u root -pS3cret shop')).toBe('mysql -h db -u root -p[REDACTED:password] shop');
    expect(redact('sshpass -p hunter2 ssh deploy@host')).toBe('sshpass -p [REDACTED:password] ssh deploy@host');
    expect(redact('docker login -u ci -p s3cr3t registry.example.com')).toBe('docker login -u ci -p [REDACTED:password] registry.example.com');
    expect(redact('redis-cli -h cache -a pw123 INFO')).toBe('redis-cli -h cache -a [REDACTED:password] INFO');
    expect(redact('ldapsearch -x -D cn=admin -w Tr0ub4dor -b dc=acme')).toBe('ldapsearch -x -D cn=admin -w [REDACTED:password] -b dc=acme');
    expect(redact('keytool -importkeystore -storepass changeit1 -keypass k3y')).toBe('keytool -importkeystore -storepass [REDACTED:password] -keypass [REDACTED:password]');
    expect(redact('app --db-password=xyz1 --token abcdef123')).toBe('app --db-password=[REDACTED:password] --token [REDACTED:token]');
    expect(redact('java -Dspring.datasource.password=Secr3t -jar app.jar')).toBe('java -Dspring.datasource.password=[REDACTED:password] -jar app.jar');
    expect(redact("argv=['./sync', '--password', 'Welcome1', '--db', 'dw']")).toBe("argv=['./sync', '--password', '[REDACTED:password]', '--db', 'dw']");
    expect(redact('htpasswd -b /etc/nginx/.htpasswd admin letmein!')).toBe('htpasswd -b /etc/nginx/.htpasswd admin [REDACTED:password]');
    expect(redact('PGPASSWORD=changeme42 psql -h pg')).toBe('PGPASSWORD=[REDACTED:password] psql -h pg');
  });

  it('leave options that are not passwords alone', () => {
    for (const text of ['ssh -p 2222 deploy@bastion', 'docker run -p 8080:80 nginx', 'mysql -u report -p shop', 'Use --password-stdin instead of --password for docker login', 'tar -czf out.tgz -C /srv .']) {
      expect(redact(text), text).toBe(text);
    }
  });

  it('find values in XML, Ruby/PHP, Python and EDN dumps, and each credential-like cookie', () => {
    expect(redact('<server><password>hunter2</password></server>')).toBe('<server><password>[REDACTED:password]</password></server>');
    expect(redact('<property name="password" value="Spring2025$"/>')).toBe('<property name="password" value="[REDACTED:password]"/>');
    expect(redact("{'password' => 'hunter2'}")).toBe("{'password' => '[REDACTED:password]'}");
    expect(redact("DATABASES['default']['PASSWORD'] = 'Hello@World1'")).toBe("DATABASES['default']['PASSWORD'] = '[REDACTED:password]'");
    expect(redact('{:user "app", :password "s3cret"}')).toBe('{:user "app", :password "[REDACTED:password]"}');
    expect(redact('Set-Cookie: sid=9f8e7d6c5b4a; Path=/; HttpOnly')).toBe('Set-Cookie: sid=[REDACTED:set_cookie]; Path=/; HttpOnly');
  });

  it('leave placeholders and templates alone', () => {
    for (const text of ['DB_PASSWORD=${DB_PASSWORD}', 'GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}', 'password=%(db_password)s', '"apiKey": "$API_KEY"', 'password: !vault |', 'postgres://app:****@db:5432/orders', '--password=REDACTED', 'Set-Cookie: theme=dark; Path=/; SameSite=Lax', 'tests pass=12 auth=success']) {
      expect(redact(text), text).toBe(text);
    }
  });

  it('find credentials named in prose, but not the words alone', () => {
    expect(redact('datadog api key 0123456789abcdef0123456789abcdef rejected')).toBe('datadog api key [REDACTED:labelled_secret] rejected');
    expect(redact('the token is 9f8e7d6c5b4a39281706f5e4d3c2b1a0')).toBe('the token is [REDACTED:labelled_secret]');
    for (const text of ['token refreshed', 'access token expires in 3600 s', 'api key rotated for tenant 42', 'secret manager returned 404 for path app/prod/db']) expect(redact(text), text).toBe(text);
  });

  it('find private keys in every form', () => {
    expect(redact('PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAAC3Nza\nPrivate-Lines: 1\nAAAAIGl0c2FzZWNyZXQ\nPrivate-MAC: 0123abcd')).toBe('PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAAC3Nza\n[REDACTED:private_key]');
    expect(redact('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3\n---- END SSH2 ENCRYPTED PRIVATE KEY ----')).toBe('[REDACTED:private_key]');
    expect(redact('KEY=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7w2fZ0xR1+Yq8mJ3bN5vT9kLhPzXe loaded')).toBe('KEY=[REDACTED:private_key] loaded');
    expect(redact('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----')).toBe('[REDACTED:private_key]');
  });

  it('leave near misses alone: ids, digests, base64 text, words that start like a prefix', () => {
    for (const text of [
      'request 4bf576fb-ac1f-412b-b30b-c6ac4635280d completed',
      'X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      'image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'payload aGVsbG8gd29ybGQsIHRoaXMgaXMgYSBzdGF0dXMgdXBkYXRl',
      'sk-learn model loaded; key-value store compacted; AC/DC tour',
      'order 4111111111111112 shipped',
    ]) {
      expect(redact(text), text).toBe(text);
    }
  });
});

describe('opt-in detectors', () => {
  it('are off by default', () => {
    const text = 'call +49 30 1234 5678 from 192.168.1.20 or fe80::1ff:fe23:4567:890a, IBAN DE89 3704 0044 0532 0130 00';
    expect(redact(text)).toBe(text);
  });

  it('find phone numbers, IP addresses and IBANs when turned on', () => {
    expect(all.redactValue('call +49 30 1234 5678 now')).toBe('call [REDACTED:phone] now');
    expect(all.redactValue('call (555) 123-4567 now')).toBe('call [REDACTED:phone] now');
    expect(all.redactValue('from 192.168.1.20 ok')).toBe('from [REDACTED:ipv4] ok');
    expect(all.redactValue('from fe80::1ff:fe23:4567:890a ok')).toBe('from [REDACTED:ipv6] ok');
    expect(all.redactValue('IBAN DE89 3704 0044 0532 0130 00')).toBe('IBAN [REDACTED:iban]');
    expect(all.redactValue('IBAN DE89370400440532013001 (bad checksum)')).toBe('IBAN DE89370400440532013001 (bad checksum)');
    expect(all.redactValue('at 12:34:56 version 1.2.3')).toBe('at 12:34:56 version 1.2.3');
  });
});

describe('custom patterns', () => {
  it('replace matches, or only the first capture group', () => {
    const redactor = redactorFor({ OTEL_LOGKIT_REDACT_PATTERNS: 'employee_id=EMP-\\d{6},order_secret=order_secret%3D(\\w%2B)' });
    expect(redactor.redactValue('EMP-123456 made order_secret=abcdef')).toBe('[REDACTED:employee_id] made order_secret=[REDACTED:order_secret]');
  });
});

/**
 * Hostile input: 1 MB strings built to make each detector try (and fail) as often as possible. A
 * backtracking pattern would take hours on these; every one must simply finish. Each input goes
 * through its own detector only (the others have their own inputs), so the suite stays fast.
 */
describe('adversarial input', () => {
  const MB = 1024 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
  const rules = new KeyRules({ blocked: DEFAULT_BLOCKED_KEYS, ignored: [] });
  const hostile: Record<string, string[]> = {
    card: [fill('4111 '), fill('4'), fill('4111-1111-1111-1111-')],
    aws_secret_access_key: [`aws ${fill('a/')}`, fill('secret A1')],
    private_key: [fill('-----BEGIN PRIVATE KEY-----'), fill('-----BEGIN '), fill('---- BEGIN SSH2 '), fill('Private-Lines: 1\n'), `MIIEpAIBAAKCAQEA${fill('A\\n')}`, fill('MIIEpAIBAAKC ')],
    azure_client_secret: [fill('abc8Q~'), `abc8Q~${fill('a')}`],
    azure_identifiable_key: [fill('AZDO'), fill('JQQJ9'), `${fill('a')}AZDO`],
    azure_storage_key: [`azure ${fill('A')}`, `azure ${fill('A==')}`],
    telegram_bot_token: [fill('123456789:AA'), `123456789:AA${fill('a')}`],
    mailchimp_api_key: [fill('0123456789abcdef-us1'), `${fill('a')}-us1`],
    terraform_token: [fill('abcdefghijklmn.atlasv1.'), `atlasv1.${fill('a')}`],
    chat_webhook: [fill('discord.com/api/webhooks/1/'), fill('/hooks/'), `/hooks/${fill('a1')}`, fill('webhook.office.com/webhookb2/'), fill('api.telegram.org/bot1:')],
    authorization: [fill('bearer '), fill('Basic '), `Bearer ${fill('a')}`, fill('ApiKey ')],
    url_credentials: [fill('a://'), `a://${fill(':')}`, `a://b:${fill('c')}`, fill('sqlplus a/b@'), `jdbc:oracle:thin:a/${fill('b')}@`],
    key_value: [fill('password='), fill('password: '), fill('"token":"'), `password=${fill('a')}`, fill('a='), fill('<password>'), fill('name="password" value="'), fill('-Dpassword='), fill('Cookie: a=b; '), fill('password=${')],
    command_line: [fill('--password '), fill('mysql -p'), `mysql ${fill('-pX ')}`, fill('sshpass -p '), fill("['--token', '"), fill('htpasswd -b a b '), `curl ${fill('-u ')}`],
    labelled_secret: [fill('api key '), fill('token is '), `secret ${fill('a1')}`, fill('password for bob is ')],
    email: [fill('a@'), fill('a.'), `a@${fill('b.')}1`, fill('a@b.')],
    ssn: [fill('123-45-'), fill('1-')],
    phone: [fill('+1 '), fill('555-'), fill('(1) ')],
    ipv4: [fill('1.'), fill('255.255.255.')],
    ipv6: [fill('a:'), fill('::')],
    iban: [fill('DE89 '), fill('DE'), `DE89${fill(' 3704')}`],
  };
  /**
   * The prefixed formats share one token scanner, tested with all of them at once: every prefix
   * repeated, every prefix followed by a long run it cannot end in, and the start of every example
   * repeated (so each rule's pattern starts, runs and fails as often as it can).
   */
  const tokenRules = Object.values(TOKEN_FAMILIES).flat();
  const tokenKinds = [...new Set(tokenRules.map((rule) => rule.kind))].filter((kind) => !(kind in hostile));
  const prefixes = tokenRules.flatMap((rule) => rule.prefixes.map((prefix) => ({ prefix, example: rule.example })));
  const tokenInputs = [
    fill(prefixes.map(({ prefix }) => `${prefix} `).join('')),
    fill(prefixes.map(({ prefix }) => `${prefix}${'a1'.repeat(300)}_ `).join('')),
    fill(prefixes.map(({ prefix, example }) => `${prefix}${example.slice(prefix.length, prefix.length + 12)}`).join('')),
    fill(prefixes.map(({ example }) => `${example}${example}`).join('')),
  ];

  it('covers every built-in detector', () => {
    expect([...Object.keys(hostile), ...tokenKinds].sort()).toEqual([...DETECTOR_NAMES].sort());
  });

  it(`the token scanner with all ${tokenRules.length} prefixed formats: 1 MB hostile strings are scanned in linear time`, () => {
    const set = new DetectorSet([...new Set(tokenRules.map((rule) => rule.kind))], [], rules);
    for (const input of tokenInputs) {
      const spans: Span[] = [];
      set.find(input, spans);
      expect(Array.isArray(spans)).toBe(true);
    }
  });

  for (const [detector, inputs] of Object.entries(hostile)) {
    it(`${detector}: a 1 MB hostile string is scanned in linear time`, () => {
      const set = new DetectorSet([detector], [], rules);
      for (const input of inputs) {
        const spans: Span[] = [];
        set.find(input, spans);
        expect(Array.isArray(spans)).toBe(true);
      }
    });
  }
});
