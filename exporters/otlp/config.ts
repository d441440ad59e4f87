import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { COMPRESSIONS, type Compression } from '../delivery/compress.js';
import type { HttpSettings } from '../delivery/settings.js';
import { requirePeer } from '../../src/core/optional-peer.js';
import { GRPC_PEER } from './grpc-library.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocolName = (typeof OTLP_PROTOCOLS)[number];

/** Options given in code; each overrides its `OTEL_EXPORTER_OTLP_LOGS_*` variable. */
export interface OtlpExporterOptions {
  /** The full URL records are posted to (used as is, like `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`); for grpc, the server's URL. */
  endpoint?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  compression?: Compression;
  protocol?: OtlpProtocolName;
  /** PEM contents (Buffer) or a path. */
  certificate?: string | Buffer;
  clientKey?: string | Buffer;
  clientCertificate?: string | Buffer;
}

export const OTLP_OPTION_KEYS = {
  endpoint: 1,
  headers: 1,
  timeoutMs: 1,
  compression: 1,
  protocol: 1,
  certificate: 1,
  clientKey: 1,
  clientCertificate: 1,
} as const satisfies OptionKeys<OtlpExporterOptions>;

export interface OtlpExporterConfig {
  endpoint: URL;
  /** Where the endpoint came from, for fixes that name it: a variable, the `endpoint` option, or the default. */
  endpointFrom: OtlpEndpointSource;
  protocol: OtlpProtocolName;
  compression: Compression;
  http: HttpSettings;
}

export type OtlpEndpointSource = 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'option' | 'default';

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';

/**
 * The standard OTLP exporter variables, the logs-specific one before the generic one. As the spec
 * says, `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` is used as is while `OTEL_EXPORTER_OTLP_ENDPOINT` is a base
 * to which `/v1/logs` is appended — except for grpc, where both name the server (default
 * `http://localhost:4317`; `https://` for TLS) and gRPC has its own compression (gzip only).
 */
export function parseOtlpExporterConfig(read: SettingsReader, options: OtlpExporterOptions = {}): OtlpExporterConfig {
  const chosen = protocol(read, options.protocol);
  const compression = pick<Compression>(read, 'COMPRESSION', (name, fallback) => read.oneOf(name, COMPRESSIONS, fallback), 'none', options.compression);
  // At start-up, not at the first record: the gRPC library is an optional peer.
  if (chosen === 'grpc') requirePeer(GRPC_PEER, options.protocol !== undefined ? 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL' : (read.first('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL')?.name ?? 'OTEL_EXPORTER_OTLP_PROTOCOL'), 'grpc');
  if (chosen === 'grpc' && compression === 'zstd') {
    const set = options.compression !== undefined ? 'option overriding OTEL_EXPORTER_OTLP_LOGS_COMPRESSION' : (read.first('OTEL_EXPORTER_OTLP_LOGS_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION')?.name ?? 'OTEL_EXPORTER_OTLP_COMPRESSION');
    throw new ConfigError(set, compression, 'none or gzip with OTEL_EXPORTER_OTLP_PROTOCOL=grpc (gRPC has no zstd)');
  }
  return {
    endpoint: chosen === 'grpc' ? grpcEndpoint(read, options.endpoint) : endpoint(read, options.endpoint),
    endpointFrom: options.endpoint !== undefined ? 'option' : (read.first('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT')?.name as OtlpEndpointSource | undefined) ?? 'default',
    protocol: chosen,
    compression,
    http: {
      headers: { ...read.keyValues('OTEL_EXPORTER_OTLP_HEADERS'), ...read.keyValues('OTEL_EXPORTER_OTLP_LOGS_HEADERS', options.headers) },
      timeoutMs: pick(read, 'TIMEOUT', (name, fallback) => read.int(name, fallback, { min: 1 }), 10_000, options.timeoutMs),
      tls: {
        ca: file(read, 'CERTIFICATE', options.certificate),
        key: file(read, 'CLIENT_KEY', options.clientKey),
        cert: file(read, 'CLIENT_CERTIFICATE', options.clientCertificate),
      },
    },
  };
}

/** Reads `OTEL_EXPORTER_OTLP_LOGS_<suffix>`, falling back to `OTEL_EXPORTER_OTLP_<suffix>`, then the default. */
function pick<T>(read: SettingsReader, suffix: string, get: (name: string, fallback: T) => T, fallback: T, option: T | undefined): T {
  if (option !== undefined) return option;
  return get(`OTEL_EXPORTER_OTLP_LOGS_${suffix}`, get(`OTEL_EXPORTER_OTLP_${suffix}`, fallback));
}

function file(read: SettingsReader, suffix: string, option: string | Buffer | undefined): Buffer | undefined {
  if (option !== undefined) return read.file(`OTEL_EXPORTER_OTLP_LOGS_${suffix}`, option);
  return read.file(`OTEL_EXPORTER_OTLP_LOGS_${suffix}`) ?? read.file(`OTEL_EXPORTER_OTLP_${suffix}`);
}

function endpoint(read: SettingsReader, option: string | undefined): URL {
  if (option !== undefined) return read.url('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', option)!;
  const specific = read.url('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT');
  if (specific) return specific;
  const base = read.url('OTEL_EXPORTER_OTLP_ENDPOINT') ?? new URL(DEFAULT_ENDPOINT);
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/logs`;
  return url;
}

/** The gRPC server: the logs-specific variable, else the generic one, used as they are (no path). */
function grpcEndpoint(read: SettingsReader, option: string | undefined): URL {
  return read.url('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', option) ?? read.url('OTEL_EXPORTER_OTLP_ENDPOINT') ?? new URL(DEFAULT_GRPC_ENDPOINT);
}

function protocol(read: SettingsReader, option: OtlpProtocolName | undefined): OtlpProtocolName {
  if (option !== undefined) return read.oneOf('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', OTLP_PROTOCOLS, 'http/protobuf', option);
  const set = read.first('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (set === undefined) return 'http/protobuf';
  return read.oneOf(set.name, OTLP_PROTOCOLS, 'http/protobuf');
}
