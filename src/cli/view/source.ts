import type { TimelineEntry } from './entry.js';

/** What a reader found for one correlation id, and what the user should know about how complete it is. */
export interface ReadResult {
  entries: TimelineEntry[];
  /** E.g. unreadable lines skipped, or the record limit reached. */
  notes: string[];
}

/** One page of a backend's answer, in ascending time order. */
export interface Page<T> {
  items: T[];
  /** The position of the last item, from which the next page starts (inclusive: ties are re-read). */
  last?: bigint;
}

export interface PagingOptions {
  /** Items asked for per page; doubled (up to `maxPageSize`) when one instant holds a whole page. */
  pageSize: number;
  maxPageSize: number;
  /** Stop after this many distinct items (a request should never have that many). */
  limit: number;
}

/**
 * Reads a time-ordered query page after page. Each page starts at the time of the previous page's last
 * item, inclusive, and items already seen are dropped by `key`: backends order by a time that several
 * records may share (Loki's nanoseconds, Elasticsearch's milliseconds), and starting strictly after it
 * would skip the rest of an instant cut by the page end. When a page brings nothing new (an instant
 * holding more than a page), the page size is doubled; at the backends' maximum, the read stops with a note.
 */
export async function readPaged<T>(
  fetchPage: (from: bigint | undefined, size: number) => Promise<Page<T>>,
  key: (item: T) => string,
  options: PagingOptions,
): Promise<{ items: T[]; notes: string[] }> {
  const seen = new Set<string>();
  const items: T[] = [];
  const notes: string[] = [];
  let from: bigint | undefined;
  let size = options.pageSize;
  for (;;) {
    const page = await fetchPage(from, size);
    let fresh = 0;
    for (const item of page.items) {
      const k = key(item);
      if (seen.has(k)) continue;
      seen.add(k);
      items.push(item);
      fresh++;
      if (items.length >= options.limit) {
        notes.push(`stopped at ${options.limit} records (raise --limit to read more)`);
        return { items, notes };
      }
    }
    if (page.items.length < size || page.last === undefined) return { items, notes };
    if (fresh === 0 || page.last === from) {
      if (size >= options.maxPageSize) {
        notes.push(`more than ${size} records share one instant; some of them may be missing`);
        return { items, notes };
      }
      size = Math.min(size * 2, options.maxPageSize);
    }
    from = page.last;
  }
}
