import { join } from 'node:path';
import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { parseArchiveConfig, type ArchiveConfig, type ArchiveSettingsOptions } from './archive/config.js';
import { parseAuditConfig, type AuditConfig, type AuditOptions } from '../processors/audit/config.js';
import { parseDeliveryConfig, type DeliveryConfig, type DeliveryOptions } from '../exporters/config.js';
import { EXPORTER_NAMES, type ExporterName } from '../exporters/registry.js';
import { parseEnrichmentConfig, type EnrichmentConfig, type EnrichmentOptions } from '../processors/enrichment/config.js';
import { parseRedactionConfig, type RedactionConfig, type RedactionOptions } from '../processors/redaction/config.js';
import { parseSamplingConfig, type SamplingConfig, type SamplingOptions } from '../processors/sampling/config.js';
import { type Env, SettingsReader } from './core/env.js';
import { ConfigError } from './core/errors.js';
import { DEFAULT_SNAPSHOT_LIMITS, type SnapshotLimits } from './core/record.js';

export { EXPORTER_NAMES, type ExporterName };

/**
 * Everything `createLogPipeline` / `registerLogPipeline` accept. Every field is optional: the
 * environment is the main way to configure the pipeline, and a field given here overrides the
 * variable it corresponds to.
 */
export interface LogkitOptions {
  /** The environment to read instead of `process.env` (tests, embedding). */
  env?: Env;
  /** Overrides `OTEL_SDK_DISABLED`. */
  disabled?: boolean;
  /** Overrides `OTEL_SERVICE_NAME`. */
  serviceName?: string;
  /** `service.version`; defaults to `npm_package_version` when run through npm. */
  serviceVersion?: string;
  /** Merged over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Record<string, string>;
  /** Overrides `OTEL_LOGS_EXPORTER`. */
  exporters?: ExporterName[];
  /** Any SDK exporter(s) — a vendor's, or `InMemoryLogRecordExporter` — fed by our pipeline, in addition to `exporters`. */
  exporter?: LogRecordExporter | LogRecordExporter[];
  /** Self-telemetry: the numbers of `stats()` as OTel metrics. */
  meterProvider?: MeterProvider;
  /** Attribute limits (`OTEL_LOGRECORD_ATTRIBUTE_*_LIMIT`) and our own value limits. */
  limits?: Partial<LimitsConfig>;
  enrichment?: EnrichmentOptions;
  sampling?: SamplingOptions;
  redaction?: RedactionOptions;
  delivery?: DeliveryOptions;
  /** The tamper-evident audit trail (`OTEL_LOGKIT_AUDIT_*`). */
  audit?: AuditOptions;
  /** Message archiving (`OTEL_LOGKIT_ARCHIVE_*`). */
  archive?: ArchiveSettingsOptions;
}

export interface LimitsConfig extends SnapshotLimits {
  /** `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT` (the SDK's default, 128). */
  attributeCountLimit: number;
  /** `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT` (default: unlimited). */
  attributeValueLengthLimit: number;
}

export interface ResourceConfig {
  serviceName?: string;
  serviceVersion?: string;
  commit?: string;
  attributes: Record<string, string>;
}

/** The one typed, validated configuration, built once at startup. */
export interface LogkitConfig {
  disabled: boolean;
  resource: ResourceConfig;
  /** `OTEL_LOGS_EXPORTER` without `none`: the destinations every record goes to (unless routed). */
  exporters: Exclude<ExporterName, 'none'>[];
  limits: LimitsConfig;
  enrichment: EnrichmentConfig;
  sampling: SamplingConfig;
  redaction: RedactionConfig;
  delivery: DeliveryConfig;
  audit: AuditConfig;
  archive: ArchiveConfig;
}

/** CI and hosting variables that carry the commit being run, in the order they are trusted. */
const COMMIT_VARIABLES = ['OTEL_LOGKIT_COMMIT', 'GIT_COMMIT', 'GITHUB_SHA', 'CI_COMMIT_SHA', 'SOURCE_VERSION', 'VERCEL_GIT_COMMIT_SHA', 'COMMIT_SHA'];

/**
 * Parses and validates the whole configuration. Throws a {@link ConfigError} naming the first bad
 * variable; nothing configuration-related can fail later.
 */
export function resolveConfig(options: LogkitOptions = {}): LogkitConfig {
  const read = new SettingsReader(options.env ?? process.env);
  const disabled = read.bool('OTEL_SDK_DISABLED', false, options.disabled);
  const exporters = parseExporters(read, options.exporters);
  const serviceName = read.string('OTEL_SERVICE_NAME', undefined, options.serviceName);
  const delivery = parseDeliveryConfig(read, exporters, options.delivery);
  return {
    disabled,
    resource: {
      serviceName,
      serviceVersion: options.serviceVersion ?? read.raw('npm_package_version'),
      commit: read.first(...COMMIT_VARIABLES)?.value,
      attributes: { ...read.keyValues('OTEL_RESOURCE_ATTRIBUTES'), ...options.resourceAttributes },
    },
    exporters,
    limits: {
      attributeCountLimit: read.int('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', read.int('OTEL_ATTRIBUTE_COUNT_LIMIT', 128), {}, options.limits?.attributeCountLimit),
      attributeValueLengthLimit: read.int(
        'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        read.int('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity as number),
        {},
        options.limits?.attributeValueLengthLimit,
      ),
      maxStringLength: read.int('OTEL_LOGKIT_MAX_STRING_LENGTH', DEFAULT_SNAPSHOT_LIMITS.maxStringLength, { min: 16 }, options.limits?.maxStringLength),
      maxDepth: read.int('OTEL_LOGKIT_MAX_DEPTH', DEFAULT_SNAPSHOT_LIMITS.maxDepth, { min: 1, max: 1000 }, options.limits?.maxDepth),
      maxCollectionLength: read.int('OTEL_LOGKIT_MAX_COLLECTION_LENGTH', DEFAULT_SNAPSHOT_LIMITS.maxCollectionLength, { min: 1 }, options.limits?.maxCollectionLength),
    },
    enrichment: parseEnrichmentConfig(read, options.enrichment),
    sampling: parseSamplingConfig(read, options.sampling),
    redaction: parseRedactionConfig(read, options.redaction),
    delivery,
    audit: auditBesideSpool(parseAuditConfig(read, serviceName, options.audit), delivery),
    archive: parseArchiveConfig(read, options.archive),
  };
}

/** The audit trail travels through the spool and keeps its chain state beside it: no spool, no audit. */
function auditBesideSpool(audit: AuditConfig, delivery: DeliveryConfig): AuditConfig {
  if (!audit.enabled) return audit;
  const spoolDir = delivery.settings.spoolDir;
  if (spoolDir === undefined) {
    throw new ConfigError('OTEL_LOGKIT_SPOOL_DIR', '', 'a directory when OTEL_LOGKIT_AUDIT is on: audit records travel through the spool, and the chain state is kept beside it');
  }
  return { ...audit, stateDir: join(spoolDir, 'audit-chain') };
}

function parseExporters(read: SettingsReader, option: ExporterName[] | undefined): Exclude<ExporterName, 'none'>[] {
  const names = read.list('OTEL_LOGS_EXPORTER', ['otlp'], option);
  const setting = option !== undefined ? 'option overriding OTEL_LOGS_EXPORTER' : 'OTEL_LOGS_EXPORTER';
  const out: Exclude<ExporterName, 'none'>[] = [];
  for (const raw of names) {
    const name = raw.toLowerCase() as ExporterName;
    if (!EXPORTER_NAMES.includes(name)) {
      throw new ConfigError(setting, names.join(','), `a comma-separated list of ${EXPORTER_NAMES.join(', ')}`);
    }
    if (name !== 'none' && !out.includes(name)) out.push(name);
  }
  return out;
}
