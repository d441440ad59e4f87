import { type BackendWatch, endpointName } from '../../src/core/backend-health.js';
import { answerTrouble, type EndpointVariables, errorCode, grpcRefusal, networkTrouble } from '../../src/core/endpoint-fixes.js';
import { bodyText } from './classify.js';
import type { WireRequest, WireResponse } from './protocol.js';
import { isTransportVerdict, joinPath, type Transport, type TransportAnswer, type TransportVerdict } from './transport.js';

/** Where a watched transport sends, and the variables its fixes name. */
export interface WatchedEndpoint {
  /** The base URL (for Kafka, `kafka://<first broker>`); each request's path is appended when shown. */
  endpoint: URL;
  variables: EndpointVariables;
}

/**
 * A transport that tells the pipeline's {@link BackendWatch} what each attempt met: an accepted
 * answer means reachable; a refusal no retry changes (a 4xx other than 408, 413 and 429, a gRPC
 * status the OTLP spec does not retry) is reported with its likely fix; a rejection (connection
 * refused, DNS, TLS, timeout) means unreachable. The first of each is what warns the user once (see
 * BackendHealth); the exit flush reads the same watch to stop waiting for a backend that is down and
 * to name why records were lost.
 *
 * @example
 * const transport = watchedTransport(new HttpTransport(endpoint, http, 4), ctx.health?.watch('otlp', endpoint), { endpoint, variables });
 */
export function watchedTransport(transport: Transport, watch: BackendWatch | undefined, where?: WatchedEndpoint): Transport {
  if (watch === undefined) return transport;
  return {
    async send(request: WireRequest): Promise<TransportAnswer> {
      let response: TransportAnswer;
      try {
        response = await transport.send(request);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        watch.unreachable(failure, where && networkTrouble(errorCode(failure) ?? '', failure.message, hostAndPort(where.endpoint), where.variables).fix);
        throw error;
      }
      const refusal = where && (isTransportVerdict(response) ? verdictRefusal(response, wire(where.endpoint)) : refusalOf(response, wire(where.endpoint)));
      if (refusal) {
        const trouble = answerTrouble(refusal.status, refusal.said, where.variables);
        watch.refused({ url: shown(where.endpoint, request.path), said: refusal.said, cause: refusal.cause, fix: trouble.fix });
      } else {
        watch.reached();
      }
      return response;
    },
    close: () => transport.close(),
  };
}

/** A refusal for good, as an HTTP status (for its fix), the answer shown and the cause; undefined for anything else. */
function refusalOf(response: WireResponse, wireName: string): { status: number; said: string; cause: string } | undefined {
  if (response.headers['content-type'] === 'application/grpc') {
    const refusal = grpcRefusal(response.status);
    if (!refusal) return undefined;
    const message = response.headers['grpc-message'];
    return { status: refusal.httpStatus, said: `gRPC ${refusal.name}${message ? `: ${String(message).slice(0, 200)}` : ''}`, cause: `gRPC ${refusal.name}` };
  }
  const { status } = response;
  if (status < 400 || status >= 500 || status === 408 || status === 413 || status === 429) return undefined;
  return { status, said: `${wireName} ${status}: ${bodyText(response).slice(0, 200)}`, cause: `${wireName} ${status}` };
}

/**
 * A transport's own refusal for good (a `dead-letter` verdict), with the HTTP status whose fix is the
 * same — a lookup for the fix shown, never an answer: 403 for denied credentials, else 400.
 */
function verdictRefusal({ verdict, denied }: TransportVerdict, wireName: string): { status: number; said: string; cause: string } | undefined {
  if (verdict.kind !== 'dead-letter') return undefined;
  return { status: denied ? 403 : 400, said: `${wireName}: ${(verdict.message ?? verdict.reason).slice(0, 200)}`, cause: `${wireName} ${denied ? 'denied' : verdict.reason}` };
}

/** How an answer's status is named: `HTTP 404`; another wire says which (`kafka`). */
function wire(endpoint: URL): string {
  return endpoint.protocol === 'http:' || endpoint.protocol === 'https:' ? 'HTTP' : endpoint.protocol.slice(0, -1);
}

/** Where a request went, as shown to people: origin and path for HTTP (never the query), the hosts and the path (a Kafka topic) otherwise. */
function shown(endpoint: URL, path: string): string {
  if (endpoint.origin === 'null') return `${endpointName(endpoint)}${path ? `/${path}` : ''}`;
  const url = joinPath(endpoint, path);
  return `${url.origin}${url.pathname}`;
}

function hostAndPort(url: URL): string {
  return url.port ? url.host : `${url.host}:${url.protocol === 'https:' ? 443 : 80}`;
}
