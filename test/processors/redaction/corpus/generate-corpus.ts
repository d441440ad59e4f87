/**
 * Writes `corpus.jsonl`: the labelled corpus of the redaction tests. Every line is
 * `{ "label": "secret", "kind", "text", "secrets": [...] }` or `{ "label": "benign", "kind", "text" }`.
 * All secrets are made up here from a seeded generator (valid formats and checksums, never real
 * credentials), embedded in the kinds of messages services actually log. The benign lines are the
 * look-alikes a redactor must leave alone: ids, hashes, timestamps, versions, order numbers that fail
 * Luhn, and prose that talks about passwords and tokens without containing one.
 *
 * Run: npx tsx test/processors/redaction/corpus/generate-corpus.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let seed = 0x5eed_2026;
/** mulberry32: small, seeded, good enough to vary test data. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const b64url = (text: string) => Buffer.from(text).toString('base64url');

const FIRST = ['alice', 'bob', 'carol', 'dmitri', 'emma', 'farid', 'grace', 'hiro', 'ines', 'jamal', 'kasia', 'liam', 'mei', 'noah', 'olga', 'priya'];
const LAST = ['smith', 'nguyen', 'garcia', 'muller', 'rossi', 'kowalski', 'tanaka', 'okafor', 'silva', 'haddad'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example.io', 'shop.test', 'students.example.edu'];
const HOSTS = ['db.internal', 'pg-primary.prod.svc.cluster.local', '10.0.3.17', 'cache-1.eu-west-1.example.net', 'mq.internal'];
const SERVICES = ['checkout', 'billing', 'auth', 'inventory', 'search', 'notifier', 'gateway'];

// ---------- secrets ----------
function luhnDigit(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
function cardNumber(): { digits: string; grouping: number[] } {
  const issuer = pick([
    { prefix: () => '4', len: 16, groups: [4, 4, 4, 4] },
    { prefix: () => '4', len: 13, groups: [13] },
    { prefix: () => String(int(51, 55)), len: 16, groups: [4, 4, 4, 4] },
    { prefix: () => String(int(2221, 2720)), len: 16, groups: [4, 4, 4, 4] },
    { prefix: () => pick(['34', '37']), len: 15, groups: [4, 6, 5] },
    { prefix: () => '6011', len: 16, groups: [4, 4, 4, 4] },
    { prefix: () => String(int(3528, 3589)), len: 16, groups: [4, 4, 4, 4] },
    { prefix: () => '36', len: 14, groups: [4, 6, 4] },
    { prefix: () => '62', len: 19, groups: [4, 4, 4, 4, 3] },
  ]);
  const prefix = issuer.prefix();
  const body = prefix + chars(DIGITS, issuer.len - prefix.length - 1);
  return { digits: body + luhnDigit(body), grouping: issuer.groups };
}
function formatCard(card: { digits: string; grouping: number[] }, sep: string): string {
  if (sep === '') return card.digits;
  const parts: string[] = [];
  let at = 0;
  for (const n of card.grouping) {
    parts.push(card.digits.slice(at, at + n));
    at += n;
  }
  return parts.join(sep);
}
function jwt(): string {
  const header = b64url(JSON.stringify({ alg: pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: `user-${int(1, 99999)}`, iat: 1732000000 + int(0, 999999), exp: 1733000000 + int(0, 999999), scope: pick(['read', 'read write', 'admin']) }));
  return `${header}.${payload}.${chars(B64URL, 43)}`;
}
const awsKeyId = () => `${pick(['AKIA', 'ASIA'])}${chars(B32, 16)}`;
function awsSecret(): string {
  let s = '';
  while (!(/[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s))) s = chars(`${ALNUM}/+`, 40);
  return s;
}
const githubToken = () => pick([() => `${pick(['ghp', 'gho', 'ghs', 'ghu'])}_${chars(ALNUM, 36)}`, () => `github_pat_${chars(ALNUM, 22)}_${chars(ALNUM, 59)}`])();
const gitlabToken = () => `glpat-${chars(`${ALNUM}_-`, 20)}`;
const slackToken = () => `xox${pick(['b', 'p', 'a'])}-${chars(DIGITS, 11)}-${chars(DIGITS, 12)}-${chars(ALNUM, 24)}`;
const slackWebhookPath = () => `T${chars(B32, 8)}/B${chars(B32, 10)}/${chars(ALNUM, 24)}`;
const stripeKey = () => pick([`sk_live_${chars(ALNUM, 24)}`, `rk_test_${chars(ALNUM, 32)}`, `whsec_${chars(ALNUM, 32)}`, `sk_test_51${chars(ALNUM, 40)}`]);
const googleKey = () => pick([`AIza${chars(`${ALNUM}_-`, 35)}`, `ya29.${chars(`${ALNUM}_-`, 60)}`, `GOCSPX-${chars(`${ALNUM}_-`, 28)}`]);
function pemKey(): string {
  const label = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
  const lines = Array.from({ length: int(3, 8) }, () => chars(`${ALNUM}+/`, 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}
function password(): string {
  return pick([
    () => `${pick(['Summer', 'Winter', 'Tr0ub4dor', 'P@ss', 'Blue'])}${int(10, 2099)}${pick(['!', '#', '$', '', '&'])}`,
    () => chars(`${ALNUM}!#$%^*`, int(10, 24)),
    () => `${pick(FIRST)}${int(1, 99)}${pick(['!', '?', '_x', ''])}`,
    () => `${pick(['correct', 'horse', 'battery', 'staple'])}-${pick(['horse', 'staple', 'moon'])}-${int(100, 999)}`,
  ])();
}
const email = () => `${pick(FIRST)}${pick(['.', '_', '', '+news.'])}${pick(LAST)}${pick(['', String(int(1, 99))])}@${pick(DOMAINS)}`;
function ssn(): string {
  let area = int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`;
}
const opaqueToken = () => chars(`${ALNUM}`, int(24, 48));

type SecretLine = { kind: string; text: string; secrets: string[] };
const secretMakers: (() => SecretLine)[] = [
  () => {
    const c = cardNumber();
    const s = formatCard(c, pick(['', ' ', '-']));
    const text = pick([
      `charging card ${s} for order ${int(100000, 999999)}`,
      `payment declined: pan=${s} exp=${int(1, 12)}/${int(26, 31)} reason=insufficient_funds`,
      `{"event":"checkout","pan":"${s}","amount":${int(5, 900)}.99}`,
      `Card ${s} failed AVS check`,
      `retrying capture for ${s}.`,
      `customer typed ${s} into the coupon field`,
    ]);
    return { kind: 'card', text, secrets: [s] };
  },
  () => {
    const t = jwt();
    const text = pick([`Authorization: Bearer ${t}`, `id_token=${t}`, `verifying ${t} failed: signature expired`, `{"session":"${t}","user":${int(1, 999)}}`, `GET /callback#access_token=${t}&token_type=bearer`]);
    return { kind: 'jwt', text, secrets: [t] };
  },
  () => {
    const id = awsKeyId();
    const secret = awsSecret();
    const text = pick([
      `aws_access_key_id=${id} aws_secret_access_key=${secret}`,
      `loaded AWS credentials ${id}:${secret} from ~/.aws/credentials`,
      `export AWS_ACCESS_KEY_ID=${id}; export AWS_SECRET_ACCESS_KEY=${secret}`,
      `sts assume-role returned {"AccessKeyId":"${id}","SecretAccessKey":"${secret}"}`,
    ]);
    return { kind: 'aws', text, secrets: [id, secret] };
  },
  () => {
    const t = githubToken();
    const text = pick([`git clone https://${t}@github.com/acme/shop.git`, `github api rate limited for token ${t}`, `GITHUB_TOKEN=${t} npm publish`, `pushing with https://x-access-token:${t}@github.com/acme/infra`, `header: "Authorization: token ${t}"`]);
    return { kind: 'github_token', text, secrets: [t] };
  },
  () => {
    const t = gitlabToken();
    return { kind: 'gitlab_token', text: pick([`PRIVATE-TOKEN: ${t}`, `gitlab runner registered with ${t}`, `curl --header "PRIVATE-TOKEN: ${t}" https://gitlab.example.com/api/v4/projects`]), secrets: [t] };
  },
  () => {
    if (random() < 0.5) {
      const t = slackToken();
      return { kind: 'slack_token', text: pick([`slack client init with ${t}`, `SLACK_BOT_TOKEN=${t}`, `posting to #alerts using ${t} failed: ratelimited`]), secrets: [t] };
    }
    const p = slackWebhookPath();
    return { kind: 'slack_token', text: `POST https://hooks.slack.com/services/${p} 200`, secrets: [p] };
  },
  () => {
    const k = stripeKey();
    return { kind: 'stripe_key', text: pick([`stripe.init(${k})`, `Stripe request failed with key ${k}: invalid_request_error`, `STRIPE_SECRET=${k}`, `webhook secret is ${k}`]), secrets: [k] };
  },
  () => {
    const k = googleKey();
    return { kind: 'google_api_key', text: pick([`GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=${k}`, `firebase config apiKey ${k}`, `oauth exchange returned ${k}`]), secrets: [k] };
  },
  () => {
    const pem = pemKey();
    const body = pem.split('\n')[1]!;
    return { kind: 'private_key', text: pick([`loaded signing key:\n${pem}`, `{"tls_key":"${pem.replace(/\n/g, '\\n')}"}`, `${pem}\n(written by cert-manager)`]), secrets: [body] };
  },
  () => {
    const user = pick(FIRST);
    const pass = password();
    const basic = Buffer.from(`${user}:${pass}`).toString('base64');
    const token = opaqueToken();
    return pick([
      { kind: 'authorization', text: `outgoing request headers: Authorization: Basic ${basic}`, secrets: [basic] },
      { kind: 'authorization', text: `upstream call with "Bearer ${token}" rejected (401)`, secrets: [token] },
      { kind: 'authorization', text: `proxy-authorization=Basic ${basic}`, secrets: [basic] },
      { kind: 'authorization', text: `curl -H 'Authorization: Bearer ${token}' https://api.example.com/v2/orders`, secrets: [token] },
    ]);
  },
  () => {
    const pass = password();
    const user = pick(['app', 'svc_checkout', 'admin', 'reporting', '']);
    const url = pick([`postgres://${user}:${pass}@${pick(HOSTS)}:5432/shop`, `redis://${user}:${pass}@${pick(HOSTS)}:6379/0`, `amqp://${user}:${pass}@${pick(HOSTS)}/vhost`, `https://${user}:${pass}@registry.example.com/v2/`, `mongodb+srv://${user}:${pass}@cluster0.example.net/?retryWrites=true`]);
    return { kind: 'url_credentials', text: pick([`connecting to ${url}`, `DATABASE_URL=${url}`, `failed to connect (${url}): timeout`]), secrets: [pass] };
  },
  () => {
    const e = email();
    return { kind: 'email', text: pick([`password reset link sent to ${e}`, `user ${e} signed in from Firefox`, `{"to":"${e}","template":"receipt"}`, `bounce: <${e}> mailbox full`, `invite accepted by ${e}.`]), secrets: [e] };
  },
  () => {
    const s = ssn();
    return { kind: 'ssn', text: pick([`verified identity with SSN ${s}`, `applicant ssn=${s} dob=1987-03-14`, `tax form W-9 received, TIN ${s}`]), secrets: [s] };
  },
  () => {
    const pass = password();
    const token = opaqueToken();
    return pick([
      { kind: 'key_value', text: `login attempt user=${pick(FIRST)} password=${pass} result=denied`, secrets: [pass] },
      { kind: 'key_value', text: `{"username":"${pick(FIRST)}","password":"${pass}"}`, secrets: [pass] },
      { kind: 'key_value', text: `config loaded: db.password: ${pass}`, secrets: [pass] },
      { kind: 'key_value', text: `POST /oauth/token grant_type=refresh_token&refresh_token=${token}&client_id=web`, secrets: [token] },
      { kind: 'key_value', text: `client_secret: "${token}"`, secrets: [token] },
      { kind: 'key_value', text: `GET /export?format=csv&api_key=${token} 200`, secrets: [token] },
      { kind: 'key_value', text: `request headers {"x-api-key":"${token}","accept":"application/json"}`, secrets: [token] },
      { kind: 'key_value', text: `Cookie: session=${token}; theme=dark; csrftoken=${token.slice(0, 20)}`, secrets: [token] },
      { kind: 'key_value', text: `Set-Cookie: sid=${token}; Path=/; HttpOnly`, secrets: [token] },
      { kind: 'key_value', text: `DB_PASSWORD=${pass} node server.js`, secrets: [pass] },
      { kind: 'key_value', text: `message body: "{\\"user\\":\\"${pick(FIRST)}\\",\\"passwd\\":\\"${pass}\\"}"`, secrets: [pass] },
      { kind: 'key_value', text: `ldap bind failed for cn=${pick(FIRST)} pwd=${pass}`, secrets: [pass] },
      { kind: 'key_value', text: `secret='${pass}' rejected by vault policy`, secrets: [pass] },
      { kind: 'key_value', text: `auth: {access_token: ${token}, expires_in: 3600}`, secrets: [token] },
    ]);
  },

  // ---------- families of issue 18 ----------
  () => {
    const storageKey = `${chars(`${ALNUM}+/`, 86)}==`;
    const sasSig = `${chars(`${ALNUM}`, 40)}%2B${chars(ALNUM, 8)}%3D`;
    const clientSecret = `${chars(ALNUM, 3)}${int(1, 9)}Q~${chars(`${ALNUM}_.-`, 34)}`;
    const session = `IQoJb3JpZ2luX2Vj${chars(`${ALNUM}+/`, 200)}`;
    const keyId = chars(HEX, 40);
    const doToken = `dop_v1_${chars(HEX, 64)}`;
    return pick([
      { kind: 'cloud', text: `DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${storageKey};EndpointSuffix=core.windows.net`, secrets: [storageKey] },
      { kind: 'cloud', text: `GET https://acmelogs.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&sig=${sasSig} 403`, secrets: [sasSig] },
      { kind: 'cloud', text: `AZURE_CLIENT_SECRET=${clientSecret}`, secrets: [clientSecret] },
      { kind: 'cloud', text: `msal: token request for app ${uuid()} with secret ${clientSecret} failed`, secrets: [clientSecret] },
      { kind: 'cloud', text: `aws_session_token=${session}`, secrets: [session] },
      { kind: 'cloud', text: `{"type":"service_account","project_id":"acme-prod","private_key_id":"${keyId}","client_email":"ci@acme-prod.iam.gserviceaccount.com"}`, secrets: [keyId] },
      { kind: 'cloud', text: `doctl auth init -t ${doToken}`, secrets: [doToken] },
    ]);
  },
  () => {
    const t = pick([
      () => `sk-proj-${chars(`${ALNUM}_-`, 64)}T3BlbkFJ${chars(`${ALNUM}_-`, 64)}`,
      () => `sk-${chars(ALNUM, 20)}T3BlbkFJ${chars(ALNUM, 20)}`,
      () => `sk-ant-api03-${chars(`${ALNUM}_-`, 93)}AA`,
      () => `hf_${chars(ALNUM.slice(0, 52), 34)}`,
      () => `gsk_${chars(ALNUM, 52)}`,
      () => `r8_${chars(ALNUM, 37)}`,
      () => `pplx-${chars(ALNUM, 48)}`,
      () => `xai-${chars(ALNUM, 80)}`,
    ])();
    return { kind: 'ai', text: pick([`OPENAI_API_KEY=${t}`, `llm client configured with key ${t}`, `{"provider":"llm","apiKey":"${t}"}`, `401 from api: invalid x-api-key ${t}`]), secrets: [t] };
  },
  () => {
    const t = pick([
      () => `npm_${chars(ALNUM, 36)}`,
      () => `pypi-AgEIcHlwaS5vcmc${chars(`${ALNUM}_-`, 120)}`,
      () => `rubygems_${chars(HEX, 48)}`,
      () => `oy2${chars('abcdefghijklmnopqrstuvwxyz0123456789', 43)}`,
      () => `dckr_pat_${chars(`${ALNUM}_-`, 27)}`,
      () => `cio${chars(ALNUM, 32)}`,
      () => `AKCp${chars(ALNUM, 69)}`,
    ])();
    return { kind: 'registry', text: pick([`//registry.npmjs.org/:_authToken=${t}`, `twine upload -u __token__ -p ${t} dist/*`, `publishing with token ${t}`, `echo ${t} | docker login -u ci --password-stdin`]), secrets: [t] };
  },
  () => {
    const t = pick([
      () => `sq0atp-${chars(`${ALNUM}_-`, 22)}`,
      () => `sq0csp-${chars(`${ALNUM}_-`, 43)}`,
      () => `EAAA${chars(ALNUM, 60)}`,
      () => `access_token$production$${chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}$${chars(HEX, 32)}`,
      () => `shpat_${chars(HEX, 32)}`,
      () => `rk_live_${chars(ALNUM, 40)}`,
      () => `whsec_${chars(ALNUM, 32)}`,
    ])();
    return { kind: 'payment', text: pick([`payment gateway init: ${t}`, `PAYMENTS_SECRET=${t}`, `{"gateway":"psp","credentials":"${t}"}`]), secrets: [t] };
  },
  () => {
    if (random() < 0.7) return messagingLine();
    const sid = `AC${chars(HEX, 32)}`;
    const auth = chars(HEX, 32);
    return { kind: 'messaging', text: pick([`twilio.Client("${sid}", "${auth}")`, `curl -u ${sid}:${auth} https://api.twilio.com/2010-04-01/Accounts.json`]), secrets: [sid, auth] };
  },
  () => {
    const t = pick([
      () => `ATBB${chars(ALNUM, 32)}`,
      () => `ATATT3xFfGF0${chars(`${ALNUM}_-`, 170)}=${chars(HEX, 8).toUpperCase()}`,
      () => `CCIPAT_${chars(ALNUM, 22)}_${chars(HEX, 40)}`,
      () => `bkua_${chars(HEX, 40)}`,
      () => `GR1348941${chars(`${ALNUM}_-`, 20)}`,
      () => `${chars(ALNUM, 52)}JQQJ99${chars(ALNUM, 18)}AZDO${chars(ALNUM, 4)}`,
    ])();
    return { kind: 'ci_vcs', text: pick([`ci: using ${t} for the api`, `CI_TOKEN=${t}`, `git push https://ci:${t}@git.example.com/acme/app.git`]), secrets: [t] };
  },
  () => {
    const t = pick([
      () => `sntryu_${chars(HEX, 64)}`,
      () => `glsa_${chars(ALNUM, 32)}_${chars(HEX, 8)}`,
      () => `NRAK-${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27)}`,
      () => `PMAK-${chars(HEX, 24)}-${chars(HEX, 34)}`,
      () => `lin_api_${chars(ALNUM, 40)}`,
      () => `${int(100000000, 999999999)}:AA${chars(`${ALNUM}_-`, 33)}`,
      () => `hvs.${chars(`${ALNUM}_-`, 90)}`,
      () => `dapi${chars(HEX, 32)}`,
    ])();
    return { kind: 'services', text: pick([`integration configured: ${t}`, `"token": "${t}"`, `client = Client(${t})`]), secrets: [t] };
  },
  () => {
    const t = pick([
      () => ({ path: `${chars(DIGITS, 18)}/${chars(`${ALNUM}_-`, 68)}`, url: (p: string) => `https://discord.com/api/webhooks/${p}`, secret: (p: string) => p.split('/')[1]! }),
      () => ({ path: `${uuid()}@${uuid()}/IncomingWebhook/${chars(HEX, 32)}/${uuid()}`, url: (p: string) => `https://acme.webhook.office.com/webhookb2/${p}`, secret: (p: string) => p.split('/')[2]! }),
      () => ({ path: chars('abcdefghijklmnopqrstuvwxyz0123456789', 26), url: (p: string) => `https://chat.acme.io/hooks/${p}`, secret: (p: string) => p }),
    ])();
    return { kind: 'chat_webhook', text: pick([`POST ${t.url(t.path)} 200`, `alerting to ${t.url(t.path)} failed`, `{"webhook":"${t.url(t.path)}"}`]), secrets: [t.secret(t.path)] };
  },
  () => {
    const pass = password();
    return pick([
      { kind: 'connection_string', text: `Server=tcp:sql.acme.io,1433;Database=shop;User ID=app;Password=${pass};Encrypt=true`, secrets: [pass] },
      { kind: 'connection_string', text: `jdbc:postgresql://db.internal:5432/shop?user=app&password=${pass}&ssl=true`, secrets: [pass] },
      { kind: 'connection_string', text: `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="${pass}";`, secrets: [pass] },
      { kind: 'connection_string', text: `jdbc:oracle:thin:scott/${pass}@db.internal:1521/ORCL`, secrets: [pass] },
      { kind: 'connection_string', text: `redis://:${pass}@cache.internal:6379/0`, secrets: [pass] },
    ]);
  },
  () => {
    const sig = chars(HEX, 64);
    const cf = chars(`${ALNUM}-_~`, 120);
    return pick([
      { kind: 'signed_url', text: `GET https://acme.s3.amazonaws.com/r.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`, secrets: [sig] },
      { kind: 'signed_url', text: `download https://storage.googleapis.com/acme/r.pdf?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=900&X-Goog-Signature=${sig}${sig}`, secrets: [`${sig}${sig}`] },
      { kind: 'signed_url', text: `https://d111111abcdef8.cloudfront.net/v.mp4?Expires=1767225600&Signature=${cf}&Key-Pair-Id=K2JCJMDEHXQW5F`, secrets: [cf] },
    ]);
  },
  () => {
    const body = chars(`${ALNUM}+/`, 64);
    return pick([
      { kind: 'private_key_forms', text: `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAI${chars(ALNUM, 20)}\nPrivate-Lines: 1\n${body}\nPrivate-MAC: ${chars(HEX, 64)}`, secrets: [body] },
      { kind: 'private_key_forms', text: `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "rsa-key"\n${body}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----`, secrets: [body] },
      { kind: 'private_key_forms', text: `key material: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${body}`, secrets: [body] },
      { kind: 'private_key_forms', text: `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF${body}\n=Ab1c\n-----END PGP PRIVATE KEY BLOCK-----`, secrets: [body] },
      { kind: 'private_key_forms', text: `TLS_KEY=MIIEpAIBAAKCAQEA${body}`, secrets: [body] },
    ]);
  },
  () => {
    const pass = password().replace(/[&;|]/g, '');
    const token = opaqueToken();
    return pick([
      { kind: 'command_line', text: `exec: mysql -h db.internal -u root -p${pass} shop`, secrets: [pass] },
      { kind: 'command_line', text: `running pg_dump --host db --password ${pass}x1 --format c`, secrets: [`${pass}x1`] },
      { kind: 'command_line', text: `java -Dspring.datasource.password=${pass} -jar app.jar`, secrets: [pass] },
      { kind: 'command_line', text: `sshpass -p '${pass}' ssh deploy@10.0.0.5`, secrets: [pass] },
      { kind: 'command_line', text: `curl -u admin:${pass} https://es.internal:9200/_cat/indices`, secrets: [pass] },
      { kind: 'command_line', text: `ldapsearch -x -D cn=admin,dc=acme -w ${pass} -b dc=acme`, secrets: [pass] },
      { kind: 'command_line', text: `argv=['./sync', '--api-token', '${token}', '--dry-run']`, secrets: [token] },
      { kind: 'command_line', text: `redis-cli -h cache -a ${pass} INFO`, secrets: [pass] },
    ]);
  },
  () => {
    const pass = password();
    return pick([
      { kind: 'key_value_forms', text: `<settings><servers><server><id>nexus</id><password>${pass}</password></server></servers></settings>`, secrets: [pass] },
      { kind: 'key_value_forms', text: `{:user "app", :password "${pass}"} => {"password" => "${pass}"}`, secrets: [pass] },
      { kind: 'key_value_forms', text: `settings.DATABASES['default']['PASSWORD'] = '${pass}'`, secrets: [pass] },
      { kind: 'key_value_forms', text: `<add key="SmtpPassword" value="${pass}" />`, secrets: [pass] },
      { kind: 'key_value_forms', text: `PGPASSWORD=${pass.replace(/[&;]/g, '')} psql -h db -U app`, secrets: [pass.replace(/[&;]/g, '')] },
      { kind: 'key_value_forms', text: `--db-password=${pass} --db-user=app`, secrets: [pass] },
    ]);
  },
];

function messagingLine(): SecretLine {
  const t = pick([
    () => `SG.${chars(`${ALNUM}_-`, 22)}.${chars(`${ALNUM}_-`, 43)}`,
    () => `key-${chars(HEX, 32)}`,
    () => `${chars(HEX, 32)}-us${int(1, 21)}`,
    () => `xkeysib-${chars(HEX, 64)}-${chars(ALNUM, 16)}`,
    () => `SK${chars(HEX, 32)}`,
  ])();
  return { kind: 'messaging', text: pick([`mail provider key ${t}`, `EMAIL_API_KEY=${t}`, `sms client init(${t})`]), secrets: [t] };
}

// ---------- benign ----------
function nonLuhnDigits(len: number, first: string): string {
  while (true) {
    const d = first + chars(DIGITS, len - first.length);
    const body = d.slice(0, -1);
    if (luhnDigit(body) !== d.slice(-1)) return d;
  }
}
const uuid = () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${chars(HEX, 3)}-${chars(HEX, 12)}`;
const iso = () => `2026-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${chars(DIGITS, 3)}Z`;
const version = () => `${int(0, 24)}.${int(0, 40)}.${int(0, 30)}`;

const benignMakers: (() => { kind: string; text: string })[] = [
  () => ({ kind: 'order', text: `order ${nonLuhnDigits(int(13, 19), pick(['4', '5', '3', '6']))} checked out by customer ${int(1, 977)} in ${int(1, 250)} ms` }),
  () => ({ kind: 'order', text: `invoice INV-${chars(DIGITS, 10)} paid, order #${int(100000, 999999)}, total ${int(1, 999)}.${chars(DIGITS, 2)} EUR` }),
  () => ({ kind: 'order', text: `{"orderId":"${nonLuhnDigits(16, '4')}","status":"shipped","items":${int(1, 9)}}` }),
  () => ({ kind: 'trace', text: `trace_id=${chars(HEX, 32)} span_id=${chars(HEX, 16)} trace_flags=01 handled GET /health` }),
  () => ({ kind: 'trace', text: `traceparent: 00-${chars(HEX, 32)}-${chars(HEX, 16)}-01` }),
  () => ({ kind: 'uuid', text: `request ${uuid()} completed with status ${pick([200, 201, 204, 304, 404])}` }),
  () => ({ kind: 'uuid', text: `{"tenant":"${uuid()}","job":"${uuid()}","state":"done"}` }),
  () => ({ kind: 'git', text: `deployed commit ${chars(HEX, 40)} to ${pick(['staging', 'production'])}` }),
  () => ({ kind: 'git', text: `merge ${chars(HEX, 7)}..${chars(HEX, 7)} fast-forward; HEAD is ${chars(HEX, 40)}` }),
  () => ({ kind: 'digest', text: `pulled image registry.example.com/${pick(SERVICES)}@sha256:${chars(HEX, 64)}` }),
  () => ({ kind: 'digest', text: `etag W/"${chars(HEX, 32)}" matched, returning 304` }),
  () => ({ kind: 'time', text: `job started at ${iso()} finished at ${iso()}` }),
  () => ({ kind: 'time', text: `ts=${1732000000000 + int(0, 99999999)} level=info msg="tick" lag_ms=${int(0, 900)}` }),
  () => ({ kind: 'time', text: `observed_time_unix_nano=${1732000000}${chars(DIGITS, 9)} severity=INFO` }),
  () => ({ kind: 'time', text: `snowflake ${1859271234567890000n + BigInt(int(0, 999999))} created at ${iso()}` }),
  () => ({ kind: 'version', text: `upgraded node from v${version()} to v${version()} (npm ${version()})` }),
  () => ({ kind: 'version', text: `installed lodash@${version()} @types/node@${version()} and typescript@${version()}` }),
  () => ({ kind: 'version', text: `User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${int(100, 131)}.0.${int(1000, 6999)}.${int(10, 200)} Safari/537.36` }),
  () => ({
    kind: 'prose',
    text: pick([
      `user ${pick(FIRST)} requested a password reset`,
      'password must be at least 12 characters and contain a digit',
      'password: must not match the previous 5 passwords',
      'token expired, refreshing via the identity provider',
      'invalid token signature for issuer https://login.example.com/',
      'the bearer token is missing from the request',
      'Basic authentication is disabled for this route',
      `API key rotated successfully for tenant ${int(1, 500)}`,
      'secret manager returned 404 for path app/prod/db',
      `refresh_token grant not allowed for client ${pick(SERVICES)}-web`,
      'token: expired',
      'Authorization header missing or malformed',
      'authorization check passed for role admin',
      'password=***** (masked by client)',
      'password=[REDACTED] token=<none>',
      `wrong password entered ${int(2, 5)} times for account ${int(1000, 9999)}`,
      'Set a strong passphrase to protect the key file',
      'cookie consent banner dismissed',
      'session cookie expired, redirecting to /login',
      'cvv check unavailable from the issuer',
      `credit card payment authorised for order ${int(100000, 999999)}`,
      'OAuth2 access token request rejected: invalid_client',
      'please enter your password again',
      'secret rotation scheduled for Sunday',
    ]),
  }),
  () => ({ kind: 'keys', text: pick([`cache key user:${int(1, 9999)}:profile miss`, 'duplicate key value violates unique constraint "orders_pkey"', `tokens used: prompt=${int(10, 4000)} completion=${int(10, 2000)} max_tokens=${int(256, 8192)}`, `primary key violation on table orders (id=${int(1, 99999)})`, `idempotency_key=${uuid()} replayed`, `sort key ${pick(['created_at', 'price', 'name'])} desc`]) }),
  () => ({ kind: 'http', text: `${pick(['GET', 'POST', 'PUT', 'DELETE'])} /api/${pick(['orders', 'users', 'carts'])}/${int(1, 99999)}?page=${int(1, 20)}&limit=50 ${pick([200, 201, 404, 500])} ${int(1, 900)}ms` }),
  () => ({ kind: 'url', text: `connected to postgres://${pick(HOSTS)}:5432/shop as app (pool size ${int(2, 20)})` }),
  () => ({ kind: 'url', text: `fetching https://api.example.com/v1/items?cursor=${chars(ALNUM, 12)}&sort=asc` }),
  () => ({ kind: 'ssh', text: `fetched git@github.com:acme/${pick(SERVICES)}.git (${int(1, 90)} objects)` }),
  () => ({ kind: 'misc', text: `retrying in ${int(50, 5000)}ms (attempt ${int(1, 4)}/5)` }),
  () => ({ kind: 'misc', text: `pod ${pick(SERVICES)}-${chars(HEX, 10)}-${chars('bcdfghjklmnpqrstvwxz2456789', 5)} restarted (exit code ${int(1, 137)})` }),
  () => ({ kind: 'misc', text: `file /var/log/app/2026-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}.log rotated (${int(1000000, 99999999)} bytes)` }),
  () => ({ kind: 'misc', text: `Error: ENOENT: no such file or directory, open '/srv/app/config.json'\n    at Object.openSync (node:fs:${int(100, 999)}:${int(1, 40)})\n    at load (/srv/app/dist/config.js:${int(1, 300)}:${int(1, 40)})` }),
  () => ({ kind: 'misc', text: `ISBN 978-${int(0, 9)}-${int(10, 99)}-${int(100000, 999999)}-${int(0, 9)} added to catalogue` }),
  () => ({ kind: 'misc', text: `client ${int(1, 254)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)} connected over TLS 1.3` }),
  () => ({ kind: 'misc', text: `card ending in ${chars(DIGITS, 4)} charged ${int(1, 500)}.00 USD` }),
  () => ({ kind: 'misc', text: `pointer 0x${chars(HEX, 12)} freed; heap ${int(10, 900)} MiB` }),
  () => ({ kind: 'misc', text: `sessionId=${chars(HEX, 16)} cart_items=${int(0, 12)} currency=EUR` }),
  () => ({ kind: 'misc', text: `data:image/png;base64,${chars(`${ALNUM}+/`, 60)}== inlined (${int(100, 999)} bytes)` }),
  () => ({ kind: 'misc', text: `phone verification sent to the number on file (${int(1, 3)} attempts left)` }),
  () => ({ kind: 'misc', text: `${pick(SERVICES)}: dates ${iso().slice(0, 10)} and ${iso().slice(0, 10)} overlap` }),
  () => ({ kind: 'k8s', text: pick([`secret: ${pick(SERVICES)}-db-credentials (mounted at /etc/secrets)`, `envFrom secretKeyRef: name=${pick(SERVICES)}-api key=url`, `volume "tls-secret" mounted read-only`]) }),
  () => ({ kind: 'errors', text: `java.sql.SQLException: Access denied for user '${pick(['app', 'root', 'report'])}'@'10.0.${int(0, 9)}.${int(1, 254)}' (using password: ${pick(['YES', 'NO'])})` }),
  () => ({ kind: 'errors', text: `    at com.example.auth.TokenService.refresh(TokenService.java:${int(10, 400)})
    at com.example.auth.PasswordEncoder.matches(PasswordEncoder.java:${int(10, 400)})` }),
  () => ({ kind: 'errors', text: `WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="The access token expired"` }),
  () => ({ kind: 'aws', text: `rotating arn:aws:secretsmanager:eu-west-1:${chars(DIGITS, 12)}:secret:prod/${pick(SERVICES)}-${chars(ALNUM, 6)} (version ${uuid()})` }),
  () => ({ kind: 'oauth', text: pick([`token_type=Bearer expires_in=${int(300, 86400)} scope="read write"`, `grant_type=client_credentials client_id=${pick(SERVICES)}-svc audience=https://api.example.com`, 'authorization: granted for role admin', `Token: ${int(1, 5)} of 5 used this minute`]) }),
  () => ({ kind: 'device', text: pick([`device IMEI 35${chars(DIGITS, 13)} registered`, `SIM ICCID 8944${chars(DIGITS, 15)} activated`, `USPS tracking 9400 1000 0000 ${chars(DIGITS, 4)} ${chars(DIGITS, 4)} ${chars(DIGITS, 2)}`]) }),
  () => ({ kind: 'chat', text: `@channel deploy of ${pick(SERVICES)} ${version()} done, ping @${pick(FIRST)} if anything looks off` }),
  () => ({ kind: 'near_miss', text: pick([
    `token refreshed for session ${uuid()}`,
    `access token expires in ${int(60, 3600)} s; refresh token rotated`,
    `api key rotated successfully (${int(1, 9)} keys active)`,
    `X-Request-Id: ${uuid()} X-B3-TraceId: ${chars(HEX, 16)}`,
    `X-Amzn-Trace-Id: Root=1-${chars(HEX, 8)}-${chars(HEX, 24)};Parent=${chars(HEX, 16)};Sampled=1`,
    `sha256:${chars(HEX, 64)} verified for layer ${int(1, 12)}`,
    `md5=${chars(HEX, 32)} size=${int(1000, 99999)}`,
    `payload (base64): ${Buffer.from(pick(['hello world, this is a status update', 'order shipped to the warehouse on time', 'nothing to see here, all systems normal'])).toString('base64')}`,
    `key-value store compacted ${int(1, 900)} segments`,
    `sk-learn model v${version()} loaded`,
    `passed ${int(10, 400)} tests, pass=${int(10, 400)} fail=0 auth=ok`,
    `Use --password-stdin instead of --password for docker login`,
    `mysql -h db.internal -u report -p shop (password prompted)`,
    `ssh -p 2222 deploy@bastion`,
    `docker run -p 8080:80 -e LOG_LEVEL=debug nginx`,
    `DB_PASSWORD=\${DB_PASSWORD} GITHUB_TOKEN=\${{ secrets.GITHUB_TOKEN }}`,
    `Set-Cookie: theme=dark; Path=/; Max-Age=31536000; SameSite=Lax`,
    `SELECT * FROM users WHERE id = $1 AND status = $2`,
    `postgres://app:****@db:5432/orders`,
    `<password></password> <token>\${TOKEN}</token>`,
  ]) }),
  () => ({ kind: 'packages', text: pick([`npm i @opentelemetry/api@${version()} @opentelemetry/sdk-logs@${version()}`, `image docker.io/library/node@sha256:${chars(HEX, 64)}`, `resolved pnpm-lock: /${pick(['zod', 'pino', 'undici'])}@${version()}(typescript@${version()})`]) }),
];

const lines: string[] = [];
const SECRETS = 650;
const BENIGN = 650;
for (let i = 0; i < SECRETS; i++) {
  const line = secretMakers[i % secretMakers.length]!();
  lines.push(JSON.stringify({ label: 'secret', ...line }));
}
for (let i = 0; i < BENIGN; i++) {
  const line = benignMakers[i % benignMakers.length]!();
  lines.push(JSON.stringify({ label: 'benign', ...line }));
}
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'corpus.jsonl'), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${SECRETS} secret and ${BENIGN} benign lines\n`);
