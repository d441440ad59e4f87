/**
 * Fake example values for the detector catalogue: deterministic, so the README and the tests show the
 * same strings, and obviously not anybody's credential (no vendor would issue them).
 */

export const HEX = '0123456789abcdef';
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const BASE64 = `${ALNUM}+/`;

/** `n` characters of `alphabet`, the same for the same `salt` on every run. */
export function fake(alphabet: string, n: number, salt = ''): string {
  let state = 2166136261;
  for (let i = 0; i < salt.length; i++) state = Math.imul(state ^ salt.charCodeAt(i), 16777619);
  let out = '';
  for (let i = 0; i < n; i++) {
    state = Math.imul(state ^ (state >>> 13), 0x5bd1e995) + i;
    out += alphabet[(state >>> 8) % alphabet.length];
  }
  return out;
}

/** `fake(HEX, …)` shaped as a UUID. */
export function fakeUuid(salt: string): string {
  const h = fake(HEX, 32, salt);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}
