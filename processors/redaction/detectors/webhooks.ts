import { CREDENTIAL_RUN } from './clues.js';
import { type Detector, patternDetector } from './detector.js';
import { ALNUM, fake, fakeUuid, HEX, LOWER_ALNUM } from './fake-values.js';

/**
 * Incoming-webhook URLs of chat services. Whoever has the URL can post as the integration, so the
 * secret part of the path (or query) is redacted and the host stays readable.
 */

/** URLs are written in lower case, so their host names are case-sensitive markers. */
const pattern = (kind: string, marks: string[], regex: RegExp, accept?: (secret: string) => boolean): Detector =>
  patternDetector({ name: kind, trigger: { clues: CREDENTIAL_RUN, marks, minLength: 30 }, pattern: regex, group: 1, accept, kind });

/** Slack incoming webhooks and workflow triggers (reported as `slack_token`). */
export const slackWebhookDetector = pattern('slack_token', ['hooks.slack.com'], /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9_/-]{10,200})/);

/** Discord, Microsoft Teams, Google Chat, Webex and Telegram webhook URLs, and `/hooks/<secret>` paths (Mattermost, Rocket.Chat, Zapier). */
export const chatWebhookDetectors: readonly Detector[] = [
  pattern('chat_webhook', ['discord'], /discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/([A-Za-z0-9_-]{20,100})/),
  pattern('chat_webhook', ['webhook.office.com', 'outlook.office.com'], /(?:webhook|outlook)\.office\.com\/webhook(?:b2)?\/([A-Za-z0-9@/_-]{20,400})/),
  pattern('chat_webhook', ['chat.googleapis.com'], /chat\.googleapis\.com\/v1\/spaces\/[\w-]{1,64}\/messages\?([^\s"'<>]{10,600})/),
  pattern('chat_webhook', ['webexapis.com'], /webexapis\.com\/v1\/webhooks\/incoming\/([A-Za-z0-9_-]{20,400})/),
  pattern('chat_webhook', ['api.telegram.org'], /api\.telegram\.org\/(?:file\/)?bot(\d{5,12}:[A-Za-z0-9_-]{20,64})/),
  pattern('chat_webhook', ['/hooks/'], /\/hooks\/([A-Za-z0-9_/-]{20,200})/, (secret) => /\d/.test(secret) && /[a-z]/i.test(secret)),
];

export const CHAT_WEBHOOK_EXAMPLE = `https://discord.com/api/webhooks/123456789012345678/${fake(`${ALNUM}_-`, 68, 'discord')}`;
export const CHAT_WEBHOOK_EXAMPLES: readonly string[] = [
  CHAT_WEBHOOK_EXAMPLE,
  `https://contoso.webhook.office.com/webhookb2/${fakeUuid('teams1')}@${fakeUuid('teams2')}/IncomingWebhook/${fake(HEX, 32, 'teams3')}/${fakeUuid('teams4')}`,
  `https://chat.googleapis.com/v1/spaces/AAAA${fake(ALNUM, 7, 'gchat1')}/messages?key=AIzaSy${fake(ALNUM, 33, 'gchat2')}&token=${fake(ALNUM, 43, 'gchat3')}`,
  `https://mattermost.example.com/hooks/${fake(LOWER_ALNUM, 26, 'mattermost')}`,
  `https://api.telegram.org/bot7123456789:AA${fake(ALNUM, 33, 'tgbot')}/sendMessage`,
];
