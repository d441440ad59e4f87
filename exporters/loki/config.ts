import type { OptionKeys, SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { CONNECTION_OPTION_KEYS, type ConnectionOptions, readConnection } from '../delivery/connection.js';
import type { HttpSettings } from '../delivery/settings.js';

/** The fix for a 404 from this destination (the warning and `doctor` print it). */
export const LOKI_NOT_FOUND = "OTEL_LOGKIT_LOKI_ENDPOINT must be Loki's base URL, e.g. http://loki:3100 (/loki/api/v1/push is added)";

/** Options given in code for the Loki exporter; each overrides the variable named in its comment. */
/**
 * Connection options override `OTEL_LOGKIT_LOKI_ENDPOINT` (Loki's base URL, e.g. `http://loki:3100`; the
 * push path is added), `_HEADERS`, `_USERNAME`/`_PASSWORD` (basic auth, e.g. Grafana Cloud user id and
 * token), `_TIMEOUT`, `_CERTIFICATE`, `_CLIENT_CERTIFICATE`, `_CLIENT_KEY`.
 */
export interface LokiOptions extends Omit<ConnectionOptions, 'token'> {
  /** `OTEL_LOGKIT_LOKI_ENCODING`: `protobuf` (snappy-compressed, Loki's native format) or `json` (gzip). */
  encoding?: LokiEncoding;
  /** `OTEL_LOGKIT_LOKI_LABELS`: which resource/record attributes become stream labels (`severity` → `level`). */
  labels?: string[];
  /** `OTEL_LOGKIT_LOKI_MAX_LABEL_VALUES`: distinct values kept per label before new ones collapse to `__overflow__`. */
  maxLabelValues?: number;
  /** `OTEL_LOGKIT_LOKI_LINE_FORMAT`: the log line is the body as `text`, or the record as a `json` object. */
  lineFormat?: LokiLineFormat;
  /** `OTEL_LOGKIT_LOKI_TENANT`: sent as `X-Scope-OrgID` (multi-tenant Loki). */
  tenant?: string;
  /** `OTEL_LOGKIT_LOKI_STRUCTURED_METADATA`: send attributes as structured metadata (Loki 3, default true); false for Loki 2.x, which refuses it. */
  structuredMetadata?: boolean;
  /** `OTEL_LOGKIT_LOKI_BEARER_TOKEN`: `Authorization: Bearer …` instead of basic auth. */
  bearerToken?: string;
}

export const LOKI_OPTION_KEYS = {
  ...CONNECTION_OPTION_KEYS,
  encoding: 1,
  labels: 1,
  maxLabelValues: 1,
  lineFormat: 1,
  tenant: 1,
  structuredMetadata: 1,
  bearerToken: 1,
} as const satisfies OptionKeys<LokiOptions>;

export type LokiEncoding = 'protobuf' | 'json';
export type LokiLineFormat = 'text' | 'json';

export interface LokiConfig {
  endpoint: URL;
  encoding: LokiEncoding;
  /** Attribute keys that become labels, in order; `severity` is the record's severity. */
  labels: string[];
  maxLabelValues: number;
  lineFormat: LokiLineFormat;
  /** False for Loki 2.x: entries carry no structured metadata (use `lineFormat: json` to keep attributes). */
  structuredMetadata: boolean;
  tenant?: string;
  /** Labels every stream of this destination carries (set by a route, e.g. `loki(stream=audit)`). */
  staticLabels: Record<string, string>;
  /** Headers (with credentials), timeout and TLS for the transport; credentials are never logged or spooled. */
  http: HttpSettings;
}

export const DEFAULT_LOKI_LABELS = ['service.name', 'deployment.environment', 'severity'];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Reads the Loki section; called only when `loki` is one of the exporters or a route target. */
export function parseLokiConfig(read: SettingsReader, options: LokiOptions = {}): LokiConfig {
  const { endpoint, http } = readConnection(read, 'OTEL_LOGKIT_LOKI', { example: 'http://loki:3100', tokenVariable: 'OTEL_LOGKIT_LOKI_BEARER_TOKEN', scheme: 'Bearer' }, {
    ...options,
    token: options.bearerToken,
  });
  const labels = read.list('OTEL_LOGKIT_LOKI_LABELS', DEFAULT_LOKI_LABELS, options.labels);
  // Loki's default max_label_names_per_series is 15; a push over it is refused whole.
  if (labels.length === 0 || labels.length > 12) {
    throw new ConfigError(options.labels !== undefined ? 'option overriding OTEL_LOGKIT_LOKI_LABELS' : 'OTEL_LOGKIT_LOKI_LABELS', labels.join(','), 'a comma-separated list of 1 to 12 attribute keys (Loki allows 15 labels per stream; routes may add some)');
  }
  return {
    endpoint,
    encoding: read.oneOf('OTEL_LOGKIT_LOKI_ENCODING', ['protobuf', 'json'], 'protobuf', options.encoding),
    labels,
    maxLabelValues: read.int('OTEL_LOGKIT_LOKI_MAX_LABEL_VALUES', 50, { min: 1, max: 100_000 }, options.maxLabelValues),
    lineFormat: read.oneOf('OTEL_LOGKIT_LOKI_LINE_FORMAT', ['text', 'json'], 'text', options.lineFormat),
    structuredMetadata: read.bool('OTEL_LOGKIT_LOKI_STRUCTURED_METADATA', true, options.structuredMetadata),
    tenant: read.string('OTEL_LOGKIT_LOKI_TENANT', undefined, options.tenant),
    staticLabels: {},
    http,
  };
}

/** Loki label names allow `[a-zA-Z_][a-zA-Z0-9_]*`; attribute keys are mapped the way Loki's own OTLP ingestion does (`service.name` → `service_name`). */
export function lokiLabelName(key: string): string {
  if (key === 'severity') return 'level';
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export function isLokiLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}
