/** A compiled name pattern: true when the name matches. */
export type GlobMatcher = (name: string) => boolean;

/**
 * The one meaning of a name pattern, for logger levels, routes and component tags alike, compiled once
 * (at startup or on a rules change) into a matcher that does not allocate.
 *
 * - `*` is the only wildcard and matches any run of characters, dots included; everything else is literal.
 * - A pattern ending in `.*` also matches the name without that suffix: `a.*` is `a` and everything below it.
 * - Matching is case-sensitive and covers the whole name.
 *
 * @example
 * const billing = compileGlob('billing.*');
 * billing('billing');        // true: the component itself
 * billing('billing.cards');  // true: below it
 * billing('billingx');       // false: another name
 * compileGlob('*.db')('orders.db');  // true
 * compileGlob('http')('http.client'); // false: no wildcard, exact name only
 * compileGlob('*')('anything');       // true
 */
export function compileGlob(pattern: string): GlobMatcher {
  const star = pattern.indexOf('*');
  if (star === -1) return (name) => name === pattern;
  if (pattern === '*') return () => true;
  if (star === pattern.length - 1) {
    if (pattern.endsWith('.*')) {
      const base = pattern.slice(0, -2);
      const below = pattern.slice(0, -1);
      return (name) => name === base || name.startsWith(below);
    }
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  const below = pattern.endsWith('.*');
  const parts = (below ? pattern.slice(0, -2) : pattern).split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RegExp(`^${parts.join('.*')}${below ? '(?:\\..*)?' : ''}$`, 's');
  return (name) => regex.test(name);
}
