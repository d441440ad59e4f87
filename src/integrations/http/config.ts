import { type Env, SettingsReader } from '../../core/env.js';
import { ConfigError } from '../../core/errors.js';
import type { ExecutionFields } from '../../core/execution.js';

/** What an application's extractor may say about a request (its user, consumer, session, tags…). */
export type RequestFields = Pick<ExecutionFields, 'userId' | 'consumerId' | 'sessionId' | 'tags' | 'attributes'>;

/** Options of the HTTP helpers, given in code; each overrides the environment variable it names. */
export interface CorrelationOptions<Req = unknown> {
  /** The environment to read instead of `process.env`. */
  env?: Env;
  /** Header carrying the global id in and out (also set on the response). `OTEL_LOGKIT_CORRELATION_HEADER`, default `x-correlation-id`. */
  globalIdHeader?: string;
  /** Header carrying the caller's own tracking id. `OTEL_LOGKIT_EXTERNAL_ID_HEADER`, default `x-request-id`. */
  externalIdHeader?: string;
  /** W3C baggage entry read when the global id header is absent, and written on outgoing calls. `OTEL_LOGKIT_CORRELATION_BAGGAGE_KEY`, default `correlation.global_id`. */
  baggageKey?: string;
  /**
   * A request header that lowers (or raises) the severity threshold of that one request, e.g.
   * `x-log-level: debug`. Off unless the application names it here or in `OTEL_LOGKIT_LEVEL_HEADER`:
   * anyone who can send the header can make the service log more, so enable it only behind an
   * ingress that strips it from untrusted callers. `false` turns it off whatever the environment says.
   */
  levelHeader?: string | false;
  /** Longest accepted incoming id; longer ones are cut. `OTEL_LOGKIT_ID_MAX_LENGTH`, default 128. */
  maxIdLength?: number;
  /**
   * Response header saying "this request's execution failed" (set on a 5xx or a failed execution), read
   * back by the outgoing helpers to mark the caller's execution failed too, so its deferred history is
   * released even if the caller then recovers. `OTEL_LOGKIT_FAILURE_HEADER`, default `x-logkit-execution-failed`.
   */
  failureHeader?: string;
  /** Reads the user, consumer, session, tags and attributes from the request (after authentication, say). */
  extract?: (request: Req) => RequestFields | undefined;
}

/** The validated settings of the HTTP helpers (header names lower-case). */
export interface CorrelationConfig {
  globalIdHeader: string;
  externalIdHeader: string;
  baggageKey: string;
  levelHeader?: string;
  maxIdLength: number;
  failureHeader: string;
}

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN_FORM = 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)';

/**
 * Parses the helper settings once, when the helper is created; a bad header name throws a
 * {@link ConfigError} at startup.
 */
export function parseCorrelationConfig(read: SettingsReader, options: CorrelationOptions<never> = {}): CorrelationConfig {
  const levelOption = options.levelHeader === false ? undefined : options.levelHeader;
  const level = options.levelHeader === false ? undefined : token(read, 'OTEL_LOGKIT_LEVEL_HEADER', undefined, levelOption);
  return {
    globalIdHeader: token(read, 'OTEL_LOGKIT_CORRELATION_HEADER', 'x-correlation-id', options.globalIdHeader)!,
    externalIdHeader: token(read, 'OTEL_LOGKIT_EXTERNAL_ID_HEADER', 'x-request-id', options.externalIdHeader)!,
    baggageKey: token(read, 'OTEL_LOGKIT_CORRELATION_BAGGAGE_KEY', 'correlation.global_id', options.baggageKey)!,
    levelHeader: level,
    maxIdLength: read.int('OTEL_LOGKIT_ID_MAX_LENGTH', 128, { min: 8, max: 1024 }, options.maxIdLength),
    failureHeader: token(read, 'OTEL_LOGKIT_FAILURE_HEADER', 'x-logkit-execution-failed', options.failureHeader)!,
  };
}

/** Settings from `options.env` (or `process.env`) and the options; used by every helper factory. */
export function correlationConfigFrom(options: CorrelationOptions<never> = {}): CorrelationConfig {
  return parseCorrelationConfig(new SettingsReader(options.env ?? process.env), options);
}

function token(read: SettingsReader, name: string, fallback: string | undefined, option: string | undefined): string | undefined {
  const value = read.string(name, fallback, option);
  if (value === undefined) return undefined;
  if (!TOKEN.test(value)) throw new ConfigError(option !== undefined ? `option overriding ${name}` : name, value, TOKEN_FORM);
  return value.toLowerCase();
}
