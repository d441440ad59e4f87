import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { LogkitError } from '../../src/core/errors.js';
import type { Verdict, WireRequest, WireResponse } from './protocol.js';
import type { HttpSettings } from './settings.js';

/** Where encoded requests go: an HTTP backend, a Kafka cluster, or a local file for the embedded default sink. */
export interface Transport {
  /**
   * Resolves with the backend's answer — an HTTP answer the protocol classifies, or the verdict of a
   * transport whose wire has no such answer (Kafka); rejects only for failures to reach the backend
   * and timeouts (retried).
   */
  send(request: WireRequest): Promise<TransportAnswer>;
  close(): Promise<void>;
}

/**
 * What a transport that does not speak HTTP answers: its own verdict, in the delivery core's terms.
 * `denied`: a refusal of the credentials or of their rights (the fix shown names them).
 */
export interface TransportVerdict {
  verdict: Verdict;
  denied?: boolean;
}

export type TransportAnswer = WireResponse | TransportVerdict;

export function isTransportVerdict(answer: TransportAnswer): answer is TransportVerdict {
  return 'verdict' in answer;
}

/** Answers are read for classification and diagnostics only; a backend cannot make us buffer more. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * One backend over HTTP/1.1 with keep-alive: sockets are reused across batches (one TLS handshake,
 * not one per request), at most `maxSockets` requests at once. The timeout covers the whole exchange,
 * so a server that accepts and never answers still frees the slot.
 */
export class HttpTransport implements Transport {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(
    private readonly base: URL,
    private readonly http: HttpSettings,
    maxSockets: number,
  ) {
    this.secure = base.protocol === 'https:';
    const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
    this.agent = this.secure ? new HttpsAgent({ ...options, ca: http.tls.ca, cert: http.tls.cert, key: http.tls.key }) : new HttpAgent(options);
  }

  send(request: WireRequest): Promise<WireResponse> {
    const url = joinPath(this.base, request.path);
    const headers: Record<string, string | number> = { ...this.http.headers, ...request.headers, 'Content-Length': request.body.byteLength };
    return new Promise<WireResponse>((resolve, reject) => {
      const send = this.secure ? httpsRequest : httpRequest;
      const req = send(url, { method: request.method ?? 'POST', headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', fail);
      });
      const timer = setTimeout(() => {
        req.destroy(new LogkitError('LOGKIT_EXPORT_TIMEOUT', `no complete answer from ${url.origin} within ${this.http.timeoutMs} ms`));
      }, this.http.timeoutMs);
      timer.unref();
      function fail(error: Error): void {
        clearTimeout(timer);
        // Only the origin is named: paths and headers may carry tokens.
        reject(error instanceof LogkitError ? error : new LogkitError('LOGKIT_EXPORT_FAILED', `${url.origin}: ${describe(error)}`, { cause: error }));
      }
      req.on('error', fail);
      req.end(request.body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/**
 * The URL of one request: the base URL with the request's path appended and its query merged.
 * `http://host/prefix` + `/v1/logs` → `http://host/prefix/v1/logs`; an empty path keeps the URL as
 * given. The endpoint's query is the user's and is always kept, as written (ingest pipelines and
 * Elasticsearch-compatible stores read it: `https://es:9200/?pipeline=logs-enrich` + `/_bulk` →
 * `https://es:9200/_bulk?pipeline=logs-enrich`); a query of the request path's own is appended after it.
 */
export function joinPath(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.hash = '';
  if (path === '') return url;
  const mark = path.indexOf('?');
  const pathname = mark === -1 ? path : path.slice(0, mark);
  const query = mark === -1 ? '' : path.slice(mark + 1);
  url.pathname = url.pathname.replace(/\/$/, '') + (pathname.startsWith('/') ? pathname : `/${pathname}`);
  if (query !== '') url.search = url.search === '' ? query : `${url.search.slice(1)}&${query}`;
  return url;
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code} ${error.message}` : error.message;
}
