import { createHmac } from 'node:crypto';

/**
 * What happens to a secret:
 * - `mask`: replaced by `[REDACTED:<kind>]`;
 * - `mask_last4`: the same, keeping the last 4 digits when the secret has at least 12 (a card number:
 *   `[REDACTED:card:1111]`); anything shorter is masked entirely;
 * - `hash`: replaced by `[HASH:<kind>:<hmac>]`, an HMAC-SHA256 of the secret under a key from the
 *   environment, so equal values give equal tokens and can be correlated without being readable;
 * - `remove`: the attribute (or map entry) holding the secret is removed; a secret inside a record
 *   body string or an array element has no attribute to remove, so it is masked.
 */
export const REDACTION_ACTIONS = ['mask', 'mask_last4', 'hash', 'remove'] as const;
export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

/** Hex digits of the HMAC kept in a token: 128 bits, plenty to correlate, short enough to read. */
const HASH_HEX_LENGTH = 32;

/**
 * The HMAC key. Kept in a wrapper so that printing or serialising the configuration never shows it.
 */
export class HashKey {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = Buffer.isBuffer(secret) ? Buffer.from(secret) : Buffer.from(secret, 'utf8');
  }

  get length(): number {
    return this.#secret.length;
  }

  hmac(value: string): string {
    return createHmac('sha256', this.#secret).update(value, 'utf8').digest('hex').slice(0, HASH_HEX_LENGTH);
  }

  toJSON(): string {
    return '[hidden]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'HashKey([hidden])';
  }
}

/** The action of each kind, resolved once; `replacement` makes the text that stands for a secret. */
export class ActionTable {
  constructor(
    private readonly fallback: RedactionAction,
    private readonly byKind: Readonly<Record<string, RedactionAction>>,
    private readonly hashKey: HashKey | undefined,
  ) {}

  actionFor(kind: string): RedactionAction {
    return this.byKind[kind] ?? this.fallback;
  }

  /** The token that replaces `secret`; for `remove`, the token used where nothing can be removed. */
  replacement(kind: string, secret: string, action: RedactionAction = this.actionFor(kind)): string {
    switch (action) {
      case 'hash':
        // The config parser refuses hash without a key; the guard keeps a secret from ever passing through.
        return this.hashKey ? `[HASH:${kind}:${this.hashKey.hmac(secret)}]` : `[REDACTED:${kind}]`;
      case 'mask_last4': {
        const digits = secret.replace(/\D/g, '');
        return digits.length >= 12 ? `[REDACTED:${kind}:${digits.slice(-4)}]` : `[REDACTED:${kind}]`;
      }
      default:
        return `[REDACTED:${kind}]`;
    }
  }
}
