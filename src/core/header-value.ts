/**
 * What we accept from an incoming id header (global id, external id, baggage fallback): letters,
 * digits and `- _ . : / + = @ ~` — enough for UUIDs, ULIDs, hex and base64 ids, `req:42`, and
 * nothing that can break a header, a log line, a query or a terminal (no spaces, quotes, control
 * characters, CR/LF, `;`, `,`, `<>`, non-ASCII). Every other character is replaced by `_`, and
 * the value is cut to the configured maximum length. A value that is empty after trimming is absent.
 */
const ACCEPTED = /^[A-Za-z0-9\-_.:/+=@~]*$/;
const REJECTED = /[^A-Za-z0-9\-_.:/+=@~]/g;

/** The accepted form, for documentation and error messages. */
export const HEADER_VALUE_FORM = 'letters, digits and - _ . : / + = @ ~';

/** How many incoming values had to be changed (process-wide; shown in the `enrichment` stats section). */
export const headerSanitizing = { cut: 0, replaced: 0 };

/**
 * Request extractors (the application's `extract` option of the HTTP helpers) that threw: the request
 * went on without its user fields. Process-wide, like the helpers; the integrations count, the
 * `enrichment` stats section shows it.
 */
export const extractorFailures = { count: 0 };

/**
 * Makes an incoming header value safe to record, propagate and echo back. Several values (a repeated
 * header) count as the first one.
 */
export function sanitizeHeaderValue(value: string | readonly string[] | undefined, maxLength: number): string | undefined {
  let text = typeof value === 'string' ? value : value?.[0];
  if (text === undefined) return undefined;
  // Cut before anything else, so a 10 MB header costs no more than a short one.
  if (text.length > maxLength + 64) text = text.slice(0, maxLength + 64);
  text = text.trim();
  if (text === '') return undefined;
  if (text.length > maxLength) {
    headerSanitizing.cut++;
    text = text.slice(0, maxLength);
  }
  if (!ACCEPTED.test(text)) {
    headerSanitizing.replaced++;
    text = text.replace(REJECTED, '_');
  }
  return text;
}
