import { ALNUM, fake, fakeUuid, HEX, LOWER_ALNUM, UPPER_ALNUM } from './fake-values.js';
import { TOKEN_END as END, tokenRule as r, type TokenRule } from './token-scanner.js';

/**
 * Prefixed credentials of hosted services: payment, e-mail and SMS providers, chat, observability and
 * other SaaS APIs, plus JWTs. Same conventions as `tokens-platform.ts`.
 */

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export const PAYMENT_TOKENS: readonly TokenRule[] = [
  r('stripe_key', 'Stripe secret and restricted keys, live or test, and webhook signing secrets (`sk_live_`, `rk_test_`, `whsec_`; Paystack keys have the same shape)', ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'], `(?:[sr]k_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/=]{20,100})(?![A-Za-z0-9_])`, `sk_live_${fake(ALNUM, 24, 'stripe')}`),
  r('square_token', 'Square access tokens and application secrets (`EAAA`, `sq0atp-`, `sq0csp-`)', ['EAAA', 'sq0'], `(?:EAAA[A-Za-z0-9_+=-]{60}|sq0(?:atp|csp|idp)-[A-Za-z0-9_-]{22,43})${END}`, `sq0csp-${fake(`${ALNUM}_-`, 43, 'square')}`),
  r('braintree_token', 'Braintree / PayPal access tokens (`access_token$production$…`)', ['access_token$'], `access_token\\$(?:production|sandbox)\\$[a-z0-9]{16}\\$[a-f0-9]{32}${END}`, `access_token$production$${fake(LOWER_ALNUM, 16, 'bt1')}$${fake(HEX, 32, 'bt2')}`),
  r('shopify_token', 'Shopify access tokens and shared secrets (`shpat_`, `shpca_`, `shppa_`, `shpss_`)', ['shp'], `shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${END}`, `shpat_${fake(HEX, 32, 'shopify')}`),
  r('flutterwave_key', 'Flutterwave secret keys (`FLWSECK-…-X`)', ['FLWSECK'], `FLWSECK(?:_TEST)?-[a-fA-F0-9]{32}-X${END}`, `FLWSECK_TEST-${fake(HEX, 32, 'flw')}-X`),
  r('razorpay_key', 'Razorpay key ids (`rzp_live_`, `rzp_test_`)', ['rzp_'], `rzp_(?:live|test)_[A-Za-z0-9]{14}${END}`, `rzp_live_${fake(ALNUM, 14, 'razorpay')}`),
  r('plaid_token', 'Plaid access tokens (`access-production-…`)', ['access-'], `access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}${END}`, `access-production-${fakeUuid('plaid')}`),
  r('gocardless_token', 'GoCardless live access tokens (`live_`)', ['live_'], `live_[A-Za-z0-9_=-]{40}${END}`, `live_${fake(ALNUM, 40, 'gocardless')}`, (t) => /\d/.test(t) && /[A-Z]/.test(t)),
];

export const MESSAGING_TOKENS: readonly TokenRule[] = [
  r('sendgrid_api_key', 'SendGrid API keys (`SG.`)', ['SG.'], `SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${END}`, `SG.${fake(`${ALNUM}_-`, 22, 'sg1')}.${fake(`${ALNUM}_-`, 43, 'sg2')}`),
  r('mailgun_api_key', 'Mailgun API keys (`key-` and 32 hex digits)', ['key-'], `key-[0-9a-f]{32}${END}`, `key-${fake(HEX, 32, 'mailgun')}`),
  r('twilio_api_key', 'Twilio API key SIDs (`SK` and 32 hex digits)', ['SK'], `SK[0-9a-fA-F]{32}${END}`, `SK${fake(HEX, 32, 'twilio')}`),
  r(
    'twilio_credentials',
    'Twilio account SIDs (`AC` and 32 hex digits), with the auth token when it follows (`AC…:token`, `Client(\'AC…\', \'token\')`)',
    ['AC'],
    `AC[0-9a-f]{32}(?:["']?[ \\t]{0,4}[,:][ \\t]{0,4}["']?[0-9a-f]{32})?${END}`,
    `AC${fake(HEX, 32, 'twilio-sid')}:${fake(HEX, 32, 'twilio-token')}`,
  ),
  r('brevo_api_key', 'Brevo (Sendinblue) API and SMTP keys (`xkeysib-`, `xsmtpsib-`)', ['xkeysib-', 'xsmtpsib-'], `x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}${END}`, `xkeysib-${fake(HEX, 64, 'brevo1')}-${fake(ALNUM, 16, 'brevo2')}`),
  r('mailersend_token', 'MailerSend API tokens (`mlsn.`)', ['mlsn.'], `mlsn\\.[a-f0-9]{64}${END}`, `mlsn.${fake(HEX, 64, 'mailersend')}`),
  r('resend_api_key', 'Resend API keys (`re_`)', ['re_'], `re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24,32}${END}`, `re_${fake(ALNUM, 8, 'resend1')}_${fake(ALNUM, 24, 'resend2')}`, (t) => /\d/.test(t) && /[A-Z]/.test(t)),
  r('telnyx_api_key', 'Telnyx API v2 keys (`KEY…_…`)', ['KEY'], `KEY[0-9A-F]{32}_[A-Za-z0-9]{22}${END}`, `KEY${fake(HEX, 32, 'telnyx1').toUpperCase()}_${fake(ALNUM, 22, 'telnyx2')}`),
];

export const SERVICE_TOKENS: readonly TokenRule[] = [
  r('slack_token', 'Slack bot, user, app-level, configuration and refresh tokens (`xoxb-`, `xoxp-`, `xapp-` …)', ['xox', 'xapp-'], `(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\\d-[A-Za-z0-9-]{10,250})${END}`, `xoxb-${fake('0123456789', 12, 'slack1')}-${fake('0123456789', 13, 'slack2')}-${fake(ALNUM, 24, 'slack3')}`),
  r('sentry_token', 'Sentry organisation and user auth tokens (`sntrys_`, `sntryu_`)', ['sntry'], `(?:sntrys_eyJ[A-Za-z0-9+/=_-]{50,1024}|sntryu_[a-f0-9]{64})${END}`, `sntryu_${fake(HEX, 64, 'sentry')}`),
  r('grafana_token', 'Grafana Cloud access-policy tokens and service-account tokens (`glc_`, `glsa_`)', ['glc_', 'glsa_'], `(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9+/=_-])`, `glsa_${fake(ALNUM, 32, 'grafana1')}_${fake(HEX, 8, 'grafana2')}`),
  r('new_relic_key', 'New Relic user, browser, insights and admin keys (`NRAK-`, `NRJS-`, `NRII-`, `NRAA-`)', ['NRAK-', 'NRJS-', 'NRII-', 'NRAA-'], `NR(?:AK-[A-Z0-9]{27}|JS-[a-f0-9]{19}|II-[A-Za-z0-9_-]{32}|AA-[a-f0-9]{27})${END}`, `NRAK-${fake(UPPER_ALNUM, 27, 'newrelic')}`),
  r('dynatrace_token', 'Dynatrace API tokens (`dt0c01.`)', ['dt0c01.', 'dt0s01.'], `dt0[cs]01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}${END}`, `dt0c01.${fake(UPPER_ALNUM, 24, 'dt1')}.${fake(UPPER_ALNUM, 64, 'dt2')}`),
  r('postman_api_key', 'Postman API keys (`PMAK-`)', ['PMAK-'], `PMAK-[a-f0-9]{24}-[a-f0-9]{34}${END}`, `PMAK-${fake(HEX, 24, 'pm1')}-${fake(HEX, 34, 'pm2')}`),
  r('linear_api_key', 'Linear API keys (`lin_api_`)', ['lin_api_'], `lin_api_[A-Za-z0-9]{40}${END}`, `lin_api_${fake(ALNUM, 40, 'linear')}`),
  r('notion_token', 'Notion integration tokens (`secret_`, `ntn_`)', ['secret_', 'ntn_'], `(?:secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35})${END}`, `ntn_${fake('0123456789', 11, 'notion1')}${fake(ALNUM, 35, 'notion2')}`),
  r('airtable_token', 'Airtable personal access tokens (`pat….`)', ['pat'], `pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}${END}`, `pat${fake(ALNUM, 14, 'airtable1')}.${fake(HEX, 64, 'airtable2')}`),
  r('figma_token', 'Figma personal access tokens (`figd_`)', ['figd_'], `figd_[A-Za-z0-9_-]{38,44}${END}`, `figd_${fake(`${ALNUM}_-`, 40, 'figma')}`),
  r('hubspot_token', 'HubSpot private-app tokens (`pat-na1-…`)', ['pat-'], `pat-(?:na|eu|ap)\\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}${END}`, `pat-na1-${fakeUuid('hubspot')}`),
  r('contentful_token', 'Contentful personal access tokens (`CFPAT-`)', ['CFPAT-'], `CFPAT-[A-Za-z0-9_-]{43}${END}`, `CFPAT-${fake(`${ALNUM}_-`, 43, 'contentful')}`),
  r('mapbox_secret_token', 'Mapbox secret tokens (`sk.eyJ…`)', ['sk.eyJ'], `sk\\.eyJ[A-Za-z0-9_-]{20,1024}\\.[A-Za-z0-9_-]{20,128}${END}`, `sk.${b64url({ u: 'example', a: 'ck0example' })}.${fake(`${ALNUM}_-`, 22, 'mapbox')}`),
  r('dropbox_token', 'Dropbox short-lived access tokens (`sl.`)', ['sl.'], `sl\\.[A-Za-z0-9_-]{130,1024}${END}`, `sl.${fake(`${ALNUM}_-`, 138, 'dropbox')}`),
  r('facebook_access_token', 'Facebook / Meta Graph API access tokens (`EAA…`)', ['EAA'], `EAA[A-Za-z0-9]{100,1024}${END}`, `EAAB${fake(ALNUM, 160, 'facebook')}`),
  r('twitter_bearer_token', 'X / Twitter app bearer tokens (`AAAAAAAAAAAAAAAAAAAAA…`)', ['AAAAAAAAAAAAAAAAAAAAA'], `A{21}[A-Za-z0-9%]{30,200}${END}`, `AAAAAAAAAAAAAAAAAAAAA${fake(ALNUM, 80, 'twitter')}`),
  r('shippo_token', 'Shippo API tokens (`shippo_live_`, `shippo_test_`)', ['shippo_'], `shippo_(?:live|test)_[a-f0-9]{40}${END}`, `shippo_live_${fake(HEX, 40, 'shippo')}`),
  r('easypost_api_key', 'EasyPost API keys (`EZAK`, `EZTK`)', ['EZAK', 'EZTK'], `EZ[AT]K[a-f0-9]{54}${END}`, `EZAK${fake(HEX, 54, 'easypost')}`),
  r('typeform_token', 'Typeform personal access tokens (`tfp_`)', ['tfp_'], `tfp_[A-Za-z0-9_-]{40,64}${END}`, `tfp_${fake(`${ALNUM}_-`, 59, 'typeform')}`),
  r('launchdarkly_key', 'LaunchDarkly API access tokens and SDK keys (`api-…`, `sdk-…`)', ['api-', 'sdk-'], `(?:api|sdk)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}${END}`, `sdk-${fakeUuid('launchdarkly')}`),
  r('jwt', 'JSON Web Tokens (`eyJ….eyJ….…`): session, ID and access tokens of any issuer', ['eyJ'], `eyJ[\\w-]{12,4096}\\.eyJ[\\w-]{2,16384}\\.[\\w-]{0,4096}`, `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'example-user', iat: 1700000000 })}.${fake(`${ALNUM}_-`, 43, 'jwt')}`),
];
