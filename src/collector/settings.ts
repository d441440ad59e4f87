import { SeverityNumber } from '@opentelemetry/api';
import { type Env, SettingsReader } from '../core/env.js';
import { ConfigError } from '../core/errors.js';
import { GRPC_PEER } from '../../exporters/otlp/grpc-library.js';
import { peerInstalled, requirePeer } from '../core/optional-peer.js';

/** Options of `createCollector` given in code; each overrides the environment variable it names. */
export interface CollectorOptions {
  /** The environment to read instead of `process.env`. */
  env?: Env;
  /** `OTEL_LOGKIT_COLLECTOR_ENDPOINT` (default `127.0.0.1:4318`): where OTLP/HTTP is received. Port 0 picks a free one. */
  endpoint?: string;
  /** `OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT` (default `127.0.0.1:9464`, `none` to turn off): Prometheus self-metrics and `/health`. */
  metricsEndpoint?: string;
  /** `OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT` (default `127.0.0.1:4317`, `none` to turn off): OTLP/gRPC `LogsService/Export`. */
  grpcEndpoint?: string;
  /** `OTEL_LOGKIT_COLLECTOR_TOKEN`: when set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** `OTEL_LOGKIT_COLLECTOR_TLS_CERT` / `_TLS_KEY`: serve HTTPS with this certificate (PEM paths or contents). */
  tlsCert?: string | Buffer;
  tlsKey?: string | Buffer;
  /** `OTEL_LOGKIT_COLLECTOR_TLS_CLIENT_CA`: require client certificates signed by this CA (mTLS). */
  tlsClientCa?: string | Buffer;
  limits?: Partial<RequestLimits>;
  tail?: Partial<TailSettings>;
  /** `OTEL_LOGKIT_COLLECTOR_RETRY_AFTER` (seconds, default 5): what a 429/503 asks senders to wait. */
  retryAfterSeconds?: number;
  /** `OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER` (ms; off when unset): a service that sent records and then none for longer is reported silent. */
  silenceAfterMs?: number;
  /**
   * `OTEL_LOGKIT_COLLECTOR_LEVEL` (default `TRACE`: every record passes): the severity below which the
   * collector drops (or, with tail deferral, holds) what senders sent. The library's `OTEL_LOGKIT_LEVEL`
   * does not apply here: a sender chose what to send, and its own threshold already ran.
   */
  level?: SeverityNumber | string;
}

/** What one request may be; beyond it the request (or the record) is refused, never trimmed silently. */
export interface RequestLimits {
  /** `OTEL_LOGKIT_COLLECTOR_MAX_REQUEST_BYTES` (default 8 MiB): the body as sent (compressed). 413 beyond. */
  maxRequestBytes: number;
  /** `OTEL_LOGKIT_COLLECTOR_MAX_DECOMPRESSED_BYTES` (default 32 MiB): the body once inflated. 413 beyond, counted while inflating. */
  maxDecompressedBytes: number;
  /** `OTEL_LOGKIT_COLLECTOR_MAX_RECORDS` (default 10000): records per request. 413 beyond. */
  maxRecords: number;
  /** `OTEL_LOGKIT_COLLECTOR_MAX_VALUE_BYTES` (default 64 KiB): one string or bytes value; a record with a longer one is refused (partial_success). */
  maxValueBytes: number;
  /** `OTEL_LOGKIT_COLLECTOR_MAX_DEPTH` (default 16): nesting of a body or attribute value; deeper requests are refused with 400. */
  maxDepth: number;
  /** `OTEL_LOGKIT_COLLECTOR_HEADERS_TIMEOUT` (ms, default 10000): a client that has not sent its headers by then is cut (slowloris). */
  headersTimeoutMs: number;
  /** `OTEL_LOGKIT_COLLECTOR_REQUEST_TIMEOUT` (ms, default 30000): the whole request body must arrive by then (408). */
  requestTimeoutMs: number;
}

/** Tail deferral: below-threshold records held per correlation id until that id fails or goes quiet. */
export interface TailSettings {
  /** `OTEL_LOGKIT_TAIL` (default true). */
  enabled: boolean;
  /** `OTEL_LOGKIT_TAIL_WINDOW` (ms, default 30000): an id quiet this long has its held records discarded. */
  windowMs: number;
  /** `OTEL_LOGKIT_TAIL_MAX_RECORDS_PER_ID` (default 1000): oldest dropped first, counted. */
  maxRecordsPerId: number;
  /** `OTEL_LOGKIT_TAIL_MAX_RECORDS` (default 100000): all ids together; oldest id's oldest record first. */
  maxRecords: number;
}

export interface CollectorSettings {
  endpoint: { host: string; port: number };
  metricsEndpoint?: { host: string; port: number };
  /** `OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT`: OTLP/gRPC input (`none` turns it off). */
  grpcEndpoint?: { host: string; port: number };
  /** Why the gRPC input is off though not turned off: its library, an optional peer, is not installed. */
  grpcMissing?: string;
  token?: string;
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  limits: RequestLimits;
  tail: TailSettings;
  retryAfterSeconds: number;
  /** `OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER`; undefined: silence is not watched. */
  silenceAfterMs?: number;
  /** `OTEL_LOGKIT_COLLECTOR_LEVEL`: the sampling stage's default threshold in the collector. */
  level: SeverityNumber;
}

const ENDPOINT_FORM = 'host:port, e.g. 127.0.0.1:4318 (port 0 picks a free port)';

/** Reads and validates the collector section once, at startup; a bad value throws a ConfigError naming it. */
export function parseCollectorSettings(options: CollectorOptions = {}): CollectorSettings {
  const read = new SettingsReader(options.env ?? process.env);
  const metrics = read.string('OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT', '127.0.0.1:9464', options.metricsEndpoint);
  const grpc = read.string('OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT', '127.0.0.1:4317', options.grpcEndpoint);
  let grpcEndpoint = grpc.toLowerCase() === 'none' ? undefined : hostPort('OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT', grpc);
  let grpcMissing: string | undefined;
  // gRPC is an optional peer: asked for, it must be there; on by default only, the input is left off and said so.
  if (grpcEndpoint && !peerInstalled(GRPC_PEER)) {
    if (options.grpcEndpoint !== undefined || read.first('OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT')) requirePeer(GRPC_PEER, 'OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT', grpc);
    grpcEndpoint = undefined;
    grpcMissing = `${GRPC_PEER.name} is not installed (npm install ${GRPC_PEER.name} to receive OTLP/gRPC on ${grpc})`;
  }
  const cert = read.file('OTEL_LOGKIT_COLLECTOR_TLS_CERT', options.tlsCert);
  const key = read.file('OTEL_LOGKIT_COLLECTOR_TLS_KEY', options.tlsKey);
  const clientCa = read.file('OTEL_LOGKIT_COLLECTOR_TLS_CLIENT_CA', options.tlsClientCa);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert ? 'OTEL_LOGKIT_COLLECTOR_TLS_KEY' : 'OTEL_LOGKIT_COLLECTOR_TLS_CERT', '', 'set together with its pair (certificate and key)');
  }
  if (clientCa && !cert) throw new ConfigError('OTEL_LOGKIT_COLLECTOR_TLS_CLIENT_CA', '[set]', 'used with OTEL_LOGKIT_COLLECTOR_TLS_CERT and _TLS_KEY');
  const token = read.string('OTEL_LOGKIT_COLLECTOR_TOKEN', undefined, options.token);
  const l = options.limits ?? {};
  const t = options.tail ?? {};
  return {
    endpoint: hostPort('OTEL_LOGKIT_COLLECTOR_ENDPOINT', read.string('OTEL_LOGKIT_COLLECTOR_ENDPOINT', '127.0.0.1:4318', options.endpoint)),
    metricsEndpoint: metrics.toLowerCase() === 'none' ? undefined : hostPort('OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT', metrics),
    grpcEndpoint,
    grpcMissing,
    token,
    tls: cert && key ? { cert, key, clientCa } : undefined,
    limits: {
      maxRequestBytes: read.bytes('OTEL_LOGKIT_COLLECTOR_MAX_REQUEST_BYTES', 8 * 1024 ** 2, l.maxRequestBytes),
      maxDecompressedBytes: read.bytes('OTEL_LOGKIT_COLLECTOR_MAX_DECOMPRESSED_BYTES', 32 * 1024 ** 2, l.maxDecompressedBytes),
      maxRecords: read.int('OTEL_LOGKIT_COLLECTOR_MAX_RECORDS', 10_000, { min: 1 }, l.maxRecords),
      maxValueBytes: read.bytes('OTEL_LOGKIT_COLLECTOR_MAX_VALUE_BYTES', 64 * 1024, l.maxValueBytes),
      maxDepth: read.int('OTEL_LOGKIT_COLLECTOR_MAX_DEPTH', 16, { min: 1, max: 256 }, l.maxDepth),
      headersTimeoutMs: read.int('OTEL_LOGKIT_COLLECTOR_HEADERS_TIMEOUT', 10_000, { min: 100 }, l.headersTimeoutMs),
      requestTimeoutMs: read.int('OTEL_LOGKIT_COLLECTOR_REQUEST_TIMEOUT', 30_000, { min: 100 }, l.requestTimeoutMs),
    },
    tail: {
      enabled: read.bool('OTEL_LOGKIT_TAIL', true, t.enabled),
      windowMs: read.int('OTEL_LOGKIT_TAIL_WINDOW', 30_000, { min: 10 }, t.windowMs),
      maxRecordsPerId: read.int('OTEL_LOGKIT_TAIL_MAX_RECORDS_PER_ID', 1000, { min: 1 }, t.maxRecordsPerId),
      maxRecords: read.int('OTEL_LOGKIT_TAIL_MAX_RECORDS', 100_000, { min: 1 }, t.maxRecords),
    },
    level: read.severity('OTEL_LOGKIT_COLLECTOR_LEVEL', SeverityNumber.TRACE, options.level),
    retryAfterSeconds: read.int('OTEL_LOGKIT_COLLECTOR_RETRY_AFTER', 5, { min: 1, max: 3600 }, options.retryAfterSeconds),
    silenceAfterMs:
      options.silenceAfterMs === undefined && read.raw('OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER') === undefined
        ? undefined
        : read.int('OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER', 0, { min: 100, max: 30 * 24 * 3_600_000 }, options.silenceAfterMs),
  };
}

function hostPort(name: string, value: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new ConfigError(name, value, ENDPOINT_FORM);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * `OTEL_LOGKIT_COLLECTOR_WORKERS` (default: `fallback`, the cores available to the CLI): how many
 * processes share the collector's ports. One while `OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER` is set (each
 * worker sees only its own connections, so silence could not be judged); asking for more then is an error.
 */
export function parseWorkerCount(env: Env, fallback: number): number {
  const read = new SettingsReader(env);
  const asked = read.raw('OTEL_LOGKIT_COLLECTOR_WORKERS');
  const workers = read.int('OTEL_LOGKIT_COLLECTOR_WORKERS', fallback, { min: 1, max: 256 });
  if (read.raw('OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER') === undefined) return workers;
  if (asked !== undefined && workers > 1) {
    throw new ConfigError('OTEL_LOGKIT_COLLECTOR_WORKERS', asked, '1 while OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER is set (each worker sees only its own connections, so silence is watched by a single worker)');
  }
  return 1;
}
