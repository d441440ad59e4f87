import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { HttpSettings } from '../../../exporters/delivery/settings.js';
import { answerText, errorCode, type HttpAnswer } from '../http-client.js';
import { type Check, fail, ok } from './report.js';

/** The variables a user changes to fix a destination, named in every fix. */
export interface BackendVariables {
  /** What the backend is, for fixes: `the Collector (OTLP receiver)`, `Loki`. */
  backend: string;
  endpoint: string;
  /** How credentials are given, e.g. `OTEL_LOGKIT_LOKI_USERNAME/_PASSWORD or OTEL_LOGKIT_LOKI_BEARER_TOKEN`. */
  auth: string;
  ca: string;
  clientCertificate: string;
  timeout: string;
}

/**
 * Reachable, then (for https) the TLS handshake with the configured CA and client certificate, each
 * its own check, so the report says which one failed. Stops at the first failure.
 */
export async function probeConnection(url: URL, http: HttpSettings, vars: BackendVariables): Promise<Check[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const where = `${url.hostname}:${port}`;
  try {
    await open(() => netConnect({ host, port }), 'connect', http.timeoutMs, () => '');
  } catch (error) {
    return [networkFailure('reachable', error, where, vars)];
  }
  const checks = [ok('reachable', `${where} accepts connections`)];
  if (!secure) return checks;
  try {
    const protocol = await open(
      () => tlsConnect({ host, port, servername: isIp(host) ? undefined : host, ca: http.tls.ca, cert: http.tls.cert, key: http.tls.key }),
      'secureConnect',
      http.timeoutMs,
      (socket) => (socket as TLSSocket).getProtocol() ?? 'TLS',
    );
    checks.push(ok('TLS', `${protocol} handshake, certificate verified for ${url.hostname}${http.tls.cert ? ', client certificate offered' : ''}`));
  } catch (error) {
    checks.push(networkFailure('TLS', error, where, vars));
  }
  return checks;
}

/** Opens a socket, waits for `event`, reads what `inspect` wants of it, closes it; rejects on error or timeout. */
function open(create: () => Socket, event: string, timeoutMs: number, inspect: (socket: Socket) => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = create();
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      const seen = inspect(socket);
      socket.end();
      socket.destroy();
      resolve(seen);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

const TLS_TRUST = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

/** A failed connection, TLS handshake or request, as a check with its fix. */
export function networkFailure(name: string, error: unknown, where: string, vars: BackendVariables): Check {
  const code = errorCode(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return fail(name, `connection refused at ${where}`, `start ${vars.backend}, or set ${vars.endpoint} to where it listens`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail(name, `the host of ${where} does not resolve (${code})`, `correct the host in ${vars.endpoint}`);
  if (code === 'ETIMEDOUT' || code === 'LOGKIT_EXPORT_TIMEOUT' || /within \d+ ms/.test(message)) {
    return fail(name, `no answer from ${where} in time`, `check that ${where} is reachable from here (firewall, proxy), or raise ${vars.timeout}`);
  }
  if (TLS_TRUST.has(code)) return fail(name, `the server's certificate is not trusted (${code})`, `set ${vars.ca} to the file of the CA that signed it`);
  if (code === 'CERT_HAS_EXPIRED') return fail(name, `the server's certificate has expired (${code})`, `renew the certificate of ${where}`);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return fail(name, `the certificate is not issued for ${where.replace(/:\d+$/, '')} (${code})`, `use in ${vars.endpoint} a host name the certificate names`);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(message)) {
    return fail(name, `${where} does not speak TLS`, `use http:// instead of https:// in ${vars.endpoint}, or enable TLS on the server`);
  }
  if (/CERTIFICATE_REQUIRED|certificate required|handshake failure|ECONNRESET/i.test(`${code} ${message}`)) {
    return fail(name, `the server ended the handshake (${code || message})`, `if it requires a client certificate, set ${vars.clientCertificate}`);
  }
  return fail(name, `${code ? `${code}: ` : ''}${message}`, `check ${vars.endpoint} and the server's logs`);
}

/** An HTTP answer that is not the expected success, as a check with its fix. */
export function answerFailure(name: string, answer: HttpAnswer, vars: BackendVariables, notFoundFix?: string): Check {
  const text = answerText(answer, 200);
  const said = `HTTP ${answer.status}${text ? `: ${text}` : ''}`;
  if (answer.status === 401) return fail(name, `credentials refused (${said})`, `set ${vars.auth} to valid credentials`);
  if (answer.status === 403) return fail(name, `credentials lack permission (${said})`, `grant the user of ${vars.auth} the right to write and read logs`);
  if (answer.status === 404 && notFoundFix) return fail(name, `not found (${said})`, notFoundFix);
  return fail(name, said, `check ${vars.endpoint} and the server's logs`);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
