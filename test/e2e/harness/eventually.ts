/**
 * Polls `probe` until `accept` holds for its result, then returns that result. Backends index
 * asynchronously (OpenSearch refresh, the collector's file flush, Loki's ingester), so a read right
 * after a write may legitimately miss it. On timeout, throws with the last result in the message.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `condition not met after ${timeoutMs} ms; last value: ${JSON.stringify(last)?.slice(0, 2000)}` +
      (lastError ? `; last error: ${String(lastError)}` : ''),
  );
}
