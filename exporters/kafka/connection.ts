import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import type { TlsSettings } from '../delivery/settings.js';

export const SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** How to reach a Kafka cluster, shared by the `kafka` destination and the collector's Kafka source. */
export interface KafkaConnection {
  /** Bootstrap brokers as `host:port`; the client discovers the rest of the cluster from them. */
  brokers: string[];
  clientId: string;
  /** Per request (produce, fetch, commit), in milliseconds. */
  timeoutMs: number;
  /** Absent: no SASL. The password is handed to the client only, never logged, spooled or sent elsewhere. */
  sasl?: { mechanism: Exclude<SaslMechanism, 'none'>; username: string; password: string };
  /** Absent: plaintext. Present (possibly empty): TLS, with a custom CA and a client certificate when given. */
  tls?: TlsSettings;
}

/** Options given in code; each overrides the `<PREFIX>_…` variable named in its comment. */
export interface KafkaConnectionOptions {
  /** `_BROKERS`: comma-separated `host:port` list. */
  brokers?: string[];
  /** `_CLIENT_ID`. */
  clientId?: string;
  /** `_TIMEOUT` (ms). */
  timeoutMs?: number;
  /** `_SASL_MECHANISM`: `none` (default), `plain`, `scram-sha-256`, `scram-sha-512`. */
  saslMechanism?: SaslMechanism;
  /** `_USERNAME` / `_PASSWORD`: the SASL credentials. */
  username?: string;
  password?: string;
  /** `_TLS`: true or false; on by default when a certificate is given. */
  tls?: boolean;
  /** `_CERTIFICATE`, `_CLIENT_CERTIFICATE`, `_CLIENT_KEY`: PEM contents or a path. */
  certificate?: string | Buffer;
  clientCertificate?: string | Buffer;
  clientKey?: string | Buffer;
}

export const KAFKA_CONNECTION_OPTION_KEYS = {
  brokers: 1,
  clientId: 1,
  timeoutMs: 1,
  saslMechanism: 1,
  username: 1,
  password: 1,
  tls: 1,
  certificate: 1,
  clientCertificate: 1,
  clientKey: 1,
} as const satisfies OptionKeys<KafkaConnectionOptions>;

const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Reads `<PREFIX>_BROKERS` (default `localhost:9092`), `_CLIENT_ID`, `_TIMEOUT` (default 10000 ms),
 * `_SASL_MECHANISM` with `_USERNAME`/`_PASSWORD`, and `_TLS` with `_CERTIFICATE` / `_CLIENT_CERTIFICATE`
 * / `_CLIENT_KEY` (file paths). A mechanism without credentials, credentials without a mechanism, or a
 * client certificate without its key is a startup error that never shows the password.
 *
 * @example
 * readKafkaConnection(read, 'OTEL_LOGKIT_KAFKA', 'otel-logkit', options)
 */
export function readKafkaConnection(read: SettingsReader, prefix: string, defaultClientId: string, options: KafkaConnectionOptions = {}): KafkaConnection {
  const brokersVariable = `${prefix}_BROKERS`;
  const brokers = read.list(brokersVariable, ['localhost:9092'], options.brokers);
  const form = 'a comma-separated list of host:port, e.g. kafka-1:9092,kafka-2:9092';
  if (brokers.length === 0) throw new ConfigError(brokersVariable, '', form);
  for (const broker of brokers) {
    const match = BROKER.exec(broker);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new ConfigError(brokersVariable, brokers.join(','), form);
  }
  const connection: KafkaConnection = {
    brokers,
    clientId: read.string(`${prefix}_CLIENT_ID`, defaultClientId, options.clientId),
    timeoutMs: read.int(`${prefix}_TIMEOUT`, 10_000, { min: 1 }, options.timeoutMs),
  };
  const sasl = readSasl(read, prefix, options);
  if (sasl) connection.sasl = sasl;
  const tls = readTls(read, prefix, options);
  if (tls) connection.tls = tls;
  return connection;
}

function readSasl(read: SettingsReader, prefix: string, options: KafkaConnectionOptions): KafkaConnection['sasl'] {
  const mechanismVariable = `${prefix}_SASL_MECHANISM`;
  const userVariable = `${prefix}_USERNAME`;
  const passwordVariable = `${prefix}_PASSWORD`;
  const mechanism = read.oneOf(mechanismVariable, SASL_MECHANISMS, 'none', options.saslMechanism);
  const username = read.string(userVariable, undefined, options.username);
  const password = read.string(passwordVariable, undefined, options.password);
  if (mechanism === 'none') {
    if (username !== undefined || password !== undefined) {
      throw new ConfigError(mechanismVariable, 'none', `plain, scram-sha-256 or scram-sha-512 when ${userVariable}/PASSWORD are set`);
    }
    return undefined;
  }
  if (username === undefined || password === undefined) {
    throw new ConfigError(username === undefined ? userVariable : passwordVariable, '', `${userVariable} and ${passwordVariable} both set when ${mechanismVariable}=${mechanism}`);
  }
  return { mechanism, username, password };
}

function readTls(read: SettingsReader, prefix: string, options: KafkaConnectionOptions): TlsSettings | undefined {
  const files: TlsSettings = {
    ca: read.file(`${prefix}_CERTIFICATE`, options.certificate),
    cert: read.file(`${prefix}_CLIENT_CERTIFICATE`, options.clientCertificate),
    key: read.file(`${prefix}_CLIENT_KEY`, options.clientKey),
  };
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw new ConfigError(`${prefix}_CLIENT_CERTIFICATE`, files.cert ? '[set]' : '', `${prefix}_CLIENT_CERTIFICATE and ${prefix}_CLIENT_KEY both set, or neither`);
  }
  const anyFile = files.ca !== undefined || files.cert !== undefined;
  const enabled = read.bool(`${prefix}_TLS`, anyFile, options.tls);
  if (!enabled && anyFile) throw new ConfigError(`${prefix}_TLS`, 'false', `true (or unset) when ${prefix}_CERTIFICATE or _CLIENT_CERTIFICATE is given`);
  return enabled ? files : undefined;
}

/**
 * The connection as `@platformatic/kafka` client options (producer, consumer and admin share them).
 * SCRAM mechanisms are spelled as the client spells them (`SCRAM-SHA-256`).
 */
export function kafkaClientOptions(connection: KafkaConnection): {
  clientId: string;
  bootstrapBrokers: string[];
  requestTimeout: number;
  connectTimeout: number;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
} {
  const { sasl, tls } = connection;
  return {
    clientId: connection.clientId,
    bootstrapBrokers: connection.brokers,
    requestTimeout: connection.timeoutMs,
    connectTimeout: Math.min(connection.timeoutMs, 5_000),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: sasl.username, password: sasl.password } } : {}),
    ...(tls ? { tls: { ca: tls.ca, cert: tls.cert, key: tls.key } } : {}),
  };
}

/**
 * The brokers as the endpoint a backend watch (src/core/backend-health.ts) names: `kafka://host:port`, further brokers in the
 * path (`kafka://kafka-1:9092/kafka-2:9092`), so the warning reads "cannot reach kafka://kafka-1:9092,kafka-2:9092".
 */
export function kafkaBrokersEndpoint(brokers: readonly string[]): URL {
  return new URL(`kafka://${brokers[0]}/${brokers.slice(1).join(',')}`);
}

/** Whether a client error, or any error nested in it (`errors`, `cause`), has the client's error code, e.g. `PLT_KFK_NETWORK`. */
export function kafkaErrorHasCode(error: unknown, code: string, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code: own, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (own === code) return true;
  if (Array.isArray(errors) && errors.some((inner) => kafkaErrorHasCode(inner, code, depth + 1))) return true;
  return cause ? kafkaErrorHasCode(cause, code, depth + 1) : false;
}
