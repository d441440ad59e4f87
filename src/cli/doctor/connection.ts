import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { HttpSettings } from '../../../exporters/delivery/settings.js';
import { answerText, type HttpAnswer } from '../http-client.js';
import { answerTrouble, type EndpointVariables, errorCode, networkTrouble } from '../../core/endpoint-fixes.js';
import { type Check, fail, ok } from './report.js';

/** The variables a user changes to fix a destination, named in every fix. */
export type BackendVariables = EndpointVariables;

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

/** A failed connection, TLS handshake or request, as a check with its fix. */
export function networkFailure(name: string, error: unknown, where: string, vars: BackendVariables): Check {
  const trouble = networkTrouble(errorCode(error) ?? '', error instanceof Error ? error.message : String(error), where, vars);
  return fail(name, trouble.problem, trouble.fix);
}

/** An HTTP answer that is not the expected success, as a check with its fix. */
export function answerFailure(name: string, answer: HttpAnswer, vars: BackendVariables, notFound = vars.notFound): Check {
  const text = answerText(answer, 200);
  const trouble = answerTrouble(answer.status, `HTTP ${answer.status}${text ? `: ${text}` : ''}`, { ...vars, notFound });
  return fail(name, trouble.problem, trouble.fix);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
