import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorCode } from '../core/endpoint-fixes.js';
import { LogkitError } from '../core/errors.js';
import type { HttpSettings } from '../../exporters/delivery/settings.js';

/** What a backend answered to one query. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/**
 * A query answer can be far larger than an export answer (a page of a request's records); past this it
 * is refused rather than read without bound.
 */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * One request to a backend the CLI reads from or probes, with the exporter's own credentials, timeout
 * and TLS settings (custom CA, client certificate). The exporters' transport only POSTs and caps what it
 * reads at 1 MiB (it classifies answers); the CLI queries, so it needs GET and whole answers. Rejects
 * with a {@link LogkitError} whose `cause` is the network error (its `code` tells refused from TLS).
 */
export function httpCall(url: URL, http: HttpSettings, call: HttpCall): Promise<HttpAnswer> {
  const secure = url.protocol === 'https:';
  const body = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
  const headers: Record<string, string | number> = { ...http.headers, ...call.headers };
  if (body !== undefined) headers['Content-Length'] = body.byteLength;
  const tls = secure ? { ca: http.tls.ca, cert: http.tls.cert, key: http.tls.key } : {};
  return new Promise((resolve, reject) => {
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, { method: call.method, headers, agent: false, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new LogkitError('LOGKIT_EXPORT_FAILED', `${url.origin}: answer larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new LogkitError('LOGKIT_EXPORT_TIMEOUT', `no complete answer from ${url.origin} within ${http.timeoutMs} ms`)), http.timeoutMs);
    timer.unref();
    function fail(error: Error): void {
      clearTimeout(timer);
      // Only the origin is named: paths and queries may carry tokens.
      if (error instanceof LogkitError) reject(error);
      else reject(new LogkitError('LOGKIT_EXPORT_FAILED', `${url.origin}: ${errorCode(error) ?? ''} ${error.message}`.replace(/ +/g, ' '), { cause: error }));
    }
    req.on('error', fail);
    req.end(body);
  });
}

/** A short text of an answer's body for a message: a backend's error words, never a whole page. */
export function answerText(answer: HttpAnswer, max = 300): string {
  const text = answer.body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
