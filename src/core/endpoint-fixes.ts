import { GrpcStatus, grpcStatusName } from './grpc-status.js';

/**
 * What went wrong between us and a backend, and what the user changes to fix it, naming their
 * variables. One vocabulary for the two places a user reads it: the warning a running pipeline prints
 * once (`BackendHealth`) and `otel-logkit doctor`'s report.
 */

/** The variables a user changes to fix a destination, named in every fix. */
export interface EndpointVariables {
  /** What the backend is, for fixes: `the OTLP/HTTP receiver (e.g. the Collector on port 4318)`, `Loki`. */
  backend: string;
  endpoint: string;
  /** How credentials are given, e.g. `OTEL_LOGKIT_LOKI_USERNAME/_PASSWORD or OTEL_LOGKIT_LOKI_BEARER_TOKEN`. */
  auth: string;
  ca: string;
  clientCertificate: string;
  timeout: string;
  /** The fix for a path that does not exist on the server (HTTP 404, gRPC UNIMPLEMENTED). */
  notFound?: string;
}

/** A trouble seen, in the user's words, and its likely fix. */
export interface Trouble {
  problem: string;
  fix: string;
}

const TLS_TRUST = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

/**
 * A connection, TLS handshake or request that got no answer. `code` is the network error's code
 * (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT` …), `where` the host and port.
 *
 * @example
 * networkTrouble('ENOTFOUND', 'getaddrinfo ENOTFOUND colector', 'colector:4318', vars).fix // 'correct the host in OTEL_EXPORTER_OTLP_ENDPOINT'
 */
export function networkTrouble(code: string, message: string, where: string, vars: EndpointVariables): Trouble {
  if (code === 'ECONNREFUSED' || /ECONNREFUSED|cannot connect/i.test(message)) return { problem: `connection refused at ${where}`, fix: `start ${vars.backend}, or set ${vars.endpoint} to where it listens` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { problem: `the host of ${where} does not resolve (${code})`, fix: `correct the host in ${vars.endpoint}` };
  if (code === 'ETIMEDOUT' || code === 'LOGKIT_EXPORT_TIMEOUT' || /within \d+ ms/.test(message)) {
    return { problem: `no answer from ${where} in time`, fix: `check that ${where} is reachable from here (firewall, proxy), or raise ${vars.timeout}` };
  }
  if (TLS_TRUST.has(code)) return { problem: `the server's certificate is not trusted (${code})`, fix: `set ${vars.ca} to the file of the CA that signed it` };
  if (code === 'CERT_HAS_EXPIRED') return { problem: `the server's certificate has expired (${code})`, fix: `renew the certificate of ${where}` };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { problem: `the certificate is not issued for ${where.replace(/:\d+$/, '')} (${code})`, fix: `use in ${vars.endpoint} a host name the certificate names` };
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(message)) {
    return { problem: `${where} does not speak TLS`, fix: `use http:// instead of https:// in ${vars.endpoint}, or enable TLS on the server` };
  }
  if (/CERTIFICATE_REQUIRED|certificate required|handshake failure|ECONNRESET/i.test(`${code} ${message}`)) {
    return { problem: `the server ended the handshake (${code || message})`, fix: `if it requires a client certificate, set ${vars.clientCertificate}` };
  }
  return { problem: `${code ? `${code}: ` : ''}${message}`, fix: `check ${vars.endpoint} and the server's logs` };
}

/** The network error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …) behind a failed call, if any. */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && !code.startsWith('LOGKIT_')) return code;
  }
  return undefined;
}

/**
 * An answer that refuses for good, by its HTTP status (gRPC statuses are given as their HTTP
 * counterpart: UNAUTHENTICATED 401, PERMISSION_DENIED 403, UNIMPLEMENTED 404). `said` is how the
 * answer is shown: `HTTP 404: page not found`.
 */
export function answerTrouble(status: number, said: string, vars: EndpointVariables): Trouble {
  if (status === 401) return { problem: `credentials refused (${said})`, fix: `set ${vars.auth} to valid credentials` };
  if (status === 403) return { problem: `credentials lack permission (${said})`, fix: `grant the user of ${vars.auth} the right to write and read logs` };
  if (status === 404 && vars.notFound) return { problem: `not found (${said})`, fix: vars.notFound };
  return { problem: said, fix: `check ${vars.endpoint} and the server's logs` };
}

/** The statuses the OTLP spec retries (RESOURCE_EXHAUSTED only with RetryInfo, which a refusal check cannot see: counted retryable). */
const GRPC_RETRYABLE = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/**
 * A gRPC status that refuses for good, as its name and the HTTP status with the same fix
 * (UNAUTHENTICATED 401, PERMISSION_DENIED 403, UNIMPLEMENTED and NOT_FOUND 404, anything else 400);
 * undefined for OK and for the statuses the OTLP spec retries.
 */
export function grpcRefusal(code: number): { name: string; httpStatus: number } | undefined {
  if (code === GrpcStatus.OK || GRPC_RETRYABLE.has(code)) return undefined;
  const httpStatus = { [GrpcStatus.UNAUTHENTICATED]: 401, [GrpcStatus.PERMISSION_DENIED]: 403, [GrpcStatus.UNIMPLEMENTED]: 404, [GrpcStatus.NOT_FOUND]: 404 }[code] ?? 400;
  return { name: grpcStatusName(code), httpStatus };
}
