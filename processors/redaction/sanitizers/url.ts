/**
 * The URL sanitizer, for attributes that hold a URL (`url.full`, `http.url`, `url.original`,
 * `http.target`, `url.query`), like the Collector redaction processor's URL sanitizing: the URL stays
 * readable — scheme, host, path, parameter names — and loses what grants access: the userinfo and the
 * values of credential-like query (and fragment) parameters: signed-URL signatures and credentials
 * (`X-Amz-Signature`, `X-Amz-Credential`, `X-Goog-Signature`, Azure SAS `sig`), tokens, keys,
 * passwords, OAuth codes. No URL parser is involved: a value that is not a well-formed URL (a bare
 * `http.target` path, a truncated string) is sanitized the same way, and nothing can throw.
 */

/** Parameter names (lower-case) that carry a credential in URLs, beyond the key rules' names. */
const URL_SECRET_PARAMETERS = new Set([
  'sig', 'signature', 'token', 'access_token', 'id_token', 'refresh_token', 'code', 'key', 'apikey', 'api_key',
  'password', 'passwd', 'pwd', 'pass', 'secret', 'client_secret', 'auth', 'session', 'sessionid', 'sid', 'jwt',
  'assertion', 'client_assertion', 'private_token', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token',
  'x-goog-signature', 'x-goog-credential', 'googleaccessid', 'x-ms-signature', 'awsaccesskeyid', 'policy',
]);

/** What the sanitizer replaced, so the caller can count it and choose the replacement text. */
export interface UrlReplacer {
  /** The kind a parameter is reported as when a key rule blocks its name (`access_token`), else undefined. */
  ruleFor(name: string): string | undefined;
  /** The text that stands for `secret` of `kind`. */
  replace(kind: string, secret: string): string;
}

/** The kinds this sanitizer reports, besides key-rule names. */
export const URL_CREDENTIALS_KIND = 'url_credentials';
export const URL_PARAMETER_KIND = 'url_parameter';

/**
 * The URL without its credentials. Returns `url` itself when nothing was replaced.
 *
 * @example
 * sanitizeUrl('https://bob:pw@s3.example.com/b/k?X-Amz-Signature=abc&v=2', replacer)
 * // → 'https://bob:[REDACTED:url_credentials]@s3.example.com/b/k?X-Amz-Signature=[REDACTED:signature]&v=2'
 */
export function sanitizeUrl(url: string, replacer: UrlReplacer): string {
  let out = url;
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const authorityEnd = firstOf(url, ['/', '?', '#'], url.indexOf('//') + 2);
  const at = url.lastIndexOf('@', authorityEnd);
  const scheme = url.indexOf('://');
  if (scheme >= 0 && at > scheme + 3 && at < authorityEnd) {
    const userinfo = url.slice(scheme + 3, at);
    // `user:password`: the user stays readable; a lone userinfo is usually a token (`https://ghp_…@github.com`)
    const colon = userinfo.indexOf(':');
    const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
    const start = colon >= 0 ? scheme + 4 + colon : scheme + 3;
    if (secret !== '') out = url.slice(0, start) + replacer.replace(URL_CREDENTIALS_KIND, secret) + url.slice(at);
  }
  if (query < 0 && fragment < 0) return out;
  // Offsets moved if the userinfo was replaced; parameters are found again in the new string.
  const shift = out.length - url.length;
  const queryStart = query >= 0 && (fragment < 0 || query < fragment) ? query + shift : -1;
  const fragmentStart = fragment >= 0 ? fragment + shift : -1;
  let result = out;
  if (fragmentStart >= 0) result = result.slice(0, fragmentStart + 1) + sanitizeParameters(result.slice(fragmentStart + 1), replacer);
  if (queryStart >= 0) {
    const end = fragmentStart >= 0 ? fragmentStart : result.length;
    result = result.slice(0, queryStart + 1) + sanitizeParameters(result.slice(queryStart + 1, end), replacer) + result.slice(end);
  }
  return result === url ? url : result;
}

/**
 * A URL attribute's value: a URL, a path with a query (`http.target`), or a bare query string
 * (`url.query`, which has no `?`).
 */
export function sanitizeUrlValue(value: string, replacer: UrlReplacer): string {
  if (value.includes('?') || value.includes('#') || value.includes('://')) return sanitizeUrl(value, replacer);
  return sanitizeParameters(value, replacer);
}

/**
 * A query string (or `url.query` without its `?`): `a=1&token=x` → `a=1&token=[REDACTED:token]`.
 * Parameters without `=` (a fragment that is an anchor) are left alone.
 */
export function sanitizeParameters(query: string, replacer: UrlReplacer): string {
  if (!query.includes('=')) return query;
  const parts = query.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const equals = part.indexOf('=');
    if (equals <= 0 || equals === part.length - 1) continue;
    const name = decode(part.slice(0, equals));
    const kind = replacer.ruleFor(name) ?? (URL_SECRET_PARAMETERS.has(name.toLowerCase()) ? URL_PARAMETER_KIND : undefined);
    if (kind === undefined) continue;
    parts[i] = `${part.slice(0, equals + 1)}${replacer.replace(kind, part.slice(equals + 1))}`;
    changed = true;
  }
  return changed ? parts.join('&') : query;
}

function decode(name: string): string {
  if (!name.includes('%') && !name.includes('+')) return name;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function firstOf(text: string, characters: string[], from: number): number {
  let first = text.length;
  for (const c of characters) {
    const at = text.indexOf(c, from);
    if (at >= 0 && at < first) first = at;
  }
  return first;
}
