import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate, zstdDecompress } from 'node:zlib';
import type { RequestLimits } from './settings.js';

/** Why a request is refused before its records are looked at; the status is the HTTP answer. */
export class RequestRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 408 | 413 | 415 | 429 | 503,
    message: string,
    /** A counter name in the collector's stats (`refused.<reason>`). */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'RequestRefusal';
  }
}

const decompressors = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  zstd: promisify(zstdDecompress),
} as const;

/**
 * Reads a request body within the limits (and says how many bytes it took on the wire): the compressed size is checked against `Content-Length`
 * before reading and again while reading; the body is then inflated (off the main thread, zlib's pool)
 * with `maxOutputLength`, so zlib stops at the cap — a gzip or zstd bomb is refused with 413 having
 * cost at most the cap in memory, never its inflated size.
 */
export async function readRequestBody(request: IncomingMessage, limits: RequestLimits): Promise<{ body: Buffer; wireBytes: number }> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxRequestBytes) {
    throw new RequestRefusal(413, `request body of ${declared} bytes exceeds the limit of ${limits.maxRequestBytes}`, 'too_large');
  }
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'none' && !(encoding in decompressors)) {
    throw new RequestRefusal(415, `content-encoding ${encoding} is not supported (gzip, zstd, deflate or none)`, 'unsupported_encoding');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxRequestBytes) throw new RequestRefusal(413, `request body exceeds the limit of ${limits.maxRequestBytes} bytes`, 'too_large');
    chunks.push(chunk);
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  if (encoding === 'identity' || encoding === 'none') return { body, wireBytes: size };
  try {
    return { body: await decompressors[encoding as keyof typeof decompressors](body, { maxOutputLength: limits.maxDecompressedBytes }), wireBytes: size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RequestRefusal(413, `decompressed body exceeds the limit of ${limits.maxDecompressedBytes} bytes`, 'decompressed_too_large');
    }
    throw new RequestRefusal(400, `body is not valid ${encoding}: ${(error as Error).message}`, 'bad_compression');
  }
}
