import type { EndpointVariables } from '../../src/core/endpoint-fixes.js';
import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import type { HttpSettings } from './settings.js';

/** Where a native exporter sends, and how: headers (credentials included), timeout, TLS. */
export interface BackendConnection {
  endpoint: URL;
  /** `headers` carry user headers plus `Authorization`: sent by the transport, never logged, never spooled. */
  http: HttpSettings;
}

export interface ConnectionOptions {
  endpoint?: string;
  headers?: Record<string, string>;
  username?: string;
  password?: string;
  token?: string;
  timeoutMs?: number;
  /** PEM contents or a path: a custom CA, and a client certificate and key for mTLS. */
  certificate?: string | Buffer;
  clientCertificate?: string | Buffer;
  clientKey?: string | Buffer;
}

/** The connection keys a configuration file may set for Loki and Elasticsearch (`token` is theirs to name). */
export const CONNECTION_OPTION_KEYS = {
  endpoint: 1,
  headers: 1,
  username: 1,
  password: 1,
  timeoutMs: 1,
  certificate: 1,
  clientCertificate: 1,
  clientKey: 1,
} as const satisfies OptionKeys<Omit<ConnectionOptions, 'token'>>;

/**
 * Reads `<PREFIX>_ENDPOINT` (required), `<PREFIX>_HEADERS`, `<PREFIX>_TIMEOUT` (ms, default 10000),
 * `<PREFIX>_CERTIFICATE` / `_CLIENT_CERTIFICATE` / `_CLIENT_KEY` (file paths), and the `Authorization` header from
 * `<PREFIX>_USERNAME`/`<PREFIX>_PASSWORD` (basic) or a token variable (`Bearer` for Loki, `ApiKey` for
 * Elasticsearch). Both kinds at once, or a username without a password, is a startup error that never
 * shows the secret.
 *
 * @example
 * readConnection(read, 'OTEL_LOGKIT_LOKI', { example: 'http://loki:3100', tokenVariable: 'OTEL_LOGKIT_LOKI_BEARER_TOKEN', scheme: 'Bearer' }, options)
 */
export function readConnection(
  read: SettingsReader,
  prefix: string,
  form: { example: string; tokenVariable: string; scheme: 'Bearer' | 'ApiKey' },
  options: ConnectionOptions = {},
): BackendConnection {
  const endpointVariable = `${prefix}_ENDPOINT`;
  const endpoint = read.url(endpointVariable, options.endpoint);
  if (endpoint === undefined) throw new ConfigError(endpointVariable, '', `a base URL such as ${form.example} (required when this exporter is used)`);
  const headers: Record<string, string> = { ...read.keyValues(`${prefix}_HEADERS`, options.headers) };
  const userVariable = `${prefix}_USERNAME`;
  const passwordVariable = `${prefix}_PASSWORD`;
  const username = read.string(userVariable, undefined, options.username);
  const password = read.string(passwordVariable, undefined, options.password);
  const token = read.string(form.tokenVariable, undefined, options.token);
  if (token !== undefined && username !== undefined) {
    throw new ConfigError(form.tokenVariable, token, `either ${form.tokenVariable} or ${userVariable}/PASSWORD, not both`);
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(username === undefined ? passwordVariable : userVariable, '[set]', `${userVariable} and ${passwordVariable} both set, or neither`);
  }
  if (token !== undefined) headers.Authorization = `${form.scheme} ${token}`;
  if (username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return {
    endpoint,
    http: {
      headers,
      timeoutMs: read.int(`${prefix}_TIMEOUT`, 10_000, { min: 1 }, options.timeoutMs),
      tls: {
        ca: read.file(`${prefix}_CERTIFICATE`, options.certificate),
        cert: read.file(`${prefix}_CLIENT_CERTIFICATE`, options.clientCertificate),
        key: read.file(`${prefix}_CLIENT_KEY`, options.clientKey),
      },
    },
  };
}

/**
 * The variables {@link readConnection} reads, as the fixes of a warning or of `doctor` name them.
 *
 * @example
 * connectionVariables('OTEL_LOGKIT_LOKI', 'Loki', 'BEARER_TOKEN', LOKI_NOT_FOUND)
 */
export function connectionVariables(prefix: string, backend: string, token: string, notFound?: string): EndpointVariables {
  return {
    backend,
    endpoint: `${prefix}_ENDPOINT`,
    auth: `${prefix}_USERNAME/${prefix}_PASSWORD or ${prefix}_${token}`,
    ca: `${prefix}_CERTIFICATE`,
    clientCertificate: `${prefix}_CLIENT_CERTIFICATE and ${prefix}_CLIENT_KEY`,
    timeout: `${prefix}_TIMEOUT`,
    notFound,
  };
}
