import { promisify } from 'node:util';
// A namespace import: on a Node without zstd the module still links, and the version check speaks first.
import * as zlib from 'node:zlib';
import type { WireRequest } from './protocol.js';

export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

// Level 1 is 3-4x faster than the default 6 and loses a few percent on log text.
const GZIP = { level: 1 };
const ZSTD = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } };

/** Each compression once, in libuv's thread pool, with its settings. */
const CODECS = {
  gzip: promisify((body: Uint8Array, done: (e: Error | null, out: Buffer) => void) => zlib.gzip(body, GZIP, done)),
  zstd: promisify((body: Uint8Array, done: (e: Error | null, out: Buffer) => void) => zlib.zstdCompress(body, ZSTD, done)),
};

/**
 * The delivery core's compression of a request whose protocol asked for it (`WireRequest.compress`):
 * done once per batch (retries reuse the result), in libuv's thread pool, so the application's thread
 * never pays for it, and Content-Encoding is set to match. A request without `compress` is returned as is.
 *
 * @example
 * const ready = await compressRequest({ path: '/_bulk', headers, body: ndjson, compress: 'gzip' });
 */
export async function compressRequest(request: WireRequest): Promise<WireRequest> {
  if (!request.compress) return request;
  const body = await CODECS[request.compress](request.body);
  return { path: request.path, headers: { ...request.headers, 'Content-Encoding': request.compress }, body };
}
