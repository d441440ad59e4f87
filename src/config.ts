import { join } from 'node:path';
import type { AttributeValue, MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { parseArchiveConfig, type ArchiveConfig, type ArchiveSettingsOptions } from './archive/config.js';
import { parseAuditConfig, type AuditConfig, type AuditOptions } from '../processors/audit/config.js';
import { parseDedupConfig, type DedupConfig, type DedupOptions } from '../processors/dedup/config.js';
import { parseDeliveryConfig, type DeliveryConfig, type DeliveryOptions } from '../exporters/config.js';
import { EXPORTER_NAMES, type ExporterName } from '../exporters/registry.js';
import { parseEnrichmentConfig, type EnrichmentConfig, type EnrichmentOptions } from '../processors/enrichment/config.js';
import { parseRedactionConfig, type RedactionConfig, type RedactionOptions } from '../processors/redaction/config.js';
import { parseSamplingConfig, type SamplingConfig, type SamplingOptions } from '../processors/sampling/config.js';
import { readConfigFile, mergeOptions } from './config-file.js';
import { explainWithFilePaths, LOGKIT_SECTION_KEYS } from './config-file-logkit.js';
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
  /**
   * Overrides `OTEL_CONFIG_FILE`: an OTel declarative configuration file (YAML). When one is given,
   * the file wins over every other `OTEL_*` variable (they count only through `${VAR}` substitution in
   * the file), and the options given here win over the file.
   */
  configFile?: string;
  /** Overrides `OTEL_SDK_DISABLED`. */
  disabled?: boolean;
  /** Overrides `OTEL_SERVICE_NAME`. */
  serviceName?: string;
  /** `service.version`; defaults to `npm_package_version` when run through npm. */
  serviceVersion?: string;
  /** Merged over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Record<string, AttributeValue>;
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
  /** Storm dedup (`OTEL_LOGKIT_DEDUP_*`): identical records within a window folded into one with a count. */
  dedup?: DedupOptions;
  delivery?: DeliveryOptions;
  /** Overrides `OTEL_LOGKIT_EXIT_TIMEOUT`: the longest the exit flush waits (ms) before undelivered records are spooled or counted lost. */
  exitTimeoutMs?: number;
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
  attributes: Record<string, AttributeValue>;
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
  dedup: DedupConfig;
  delivery: DeliveryConfig;
  /** `OTEL_LOGKIT_EXIT_TIMEOUT`: the bound of the flush at exit (beforeExit, SIGTERM/SIGINT, shutdown()). */
  exitTimeoutMs: number;
  audit: AuditConfig;
  archive: ArchiveConfig;
}

/** The default bound of the exit flush: a few seconds for a slow backend; one that is down is not waited for. */
export const DEFAULT_EXIT_TIMEOUT_MS = 5000;

/** CI and hosting variables that carry the commit being run, in the order they are trusted. */
const COMMIT_VARIABLES = ['OTEL_LOGKIT_COMMIT', 'GIT_COMMIT', 'GITHUB_SHA', 'CI_COMMIT_SHA', 'SOURCE_VERSION', 'VERCEL_GIT_COMMIT_SHA', 'COMMIT_SHA'];

/** Every option is either accepted in the file's `otel_logkit` section or named code-only: checked here by the compiler. */
LOGKIT_SECTION_KEYS satisfies Record<keyof LogkitOptions, 0 | 1>;

/**
 * Parses and validates the whole configuration. Throws a {@link ConfigError} naming the first bad
 * variable (or the YAML path in the configuration file); nothing configuration-related can fail later.
 *
 * Precedence: options given in code, then `OTEL_CONFIG_FILE` when set — which then replaces every
 * other `OTEL_*` variable, as the OTel configuration spec asks (they still count through `${VAR}`
 * substitution inside the file) — else the environment variables, then the defaults.
 */
export function resolveConfig(options: LogkitOptions = {}): LogkitConfig {
  const env = options.env ?? process.env;
  const file = new SettingsReader(env).string('OTEL_CONFIG_FILE', undefined, options.configFile);
  if (file === undefined) return resolveFrom(options, env);
  const fromFile = readConfigFile(file, env);
  const { env: _env, configFile: _file, ...code } = options;
  // Code options win over the file, leaf by leaf; what code sets is no longer the file's to explain.
  const merged = mergeOptions(fromFile.options, code as Record<string, unknown>, (path) => fromFile.paths.delete(path));
  return explainWithFilePaths(merged, fromFile.paths, (tracked) => resolveFrom(tracked as LogkitOptions, withoutOtelVariables(env)));
}

/**
 * The sources of a configuration, read once: with `OTEL_CONFIG_FILE`, the file's options merged
 * with the code's and the environment without the `OTEL_*` variables it replaces; else the options
 * and a copy of the environment. Resolving the result again (the delivery worker does, at each
 * start) gives the same configuration, whatever happened to the file or the environment since.
 */
export function pinnedSources(options: LogkitOptions, env: Env): { options: LogkitOptions; env: Env } {
  const file = new SettingsReader(env).string('OTEL_CONFIG_FILE', undefined, options.configFile);
  const { env: _env, configFile: _file, ...code } = options;
  if (file === undefined) return { options: code, env: { ...env } };
  const fromFile = readConfigFile(file, env);
  return { options: mergeOptions(fromFile.options, code as Record<string, unknown>, () => {}) as LogkitOptions, env: withoutOtelVariables(env) };
}

/** With a configuration file, the other OTEL_* variables are not read (the spec: the file is the configuration). */
function withoutOtelVariables(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_')));
}

function resolveFrom(options: LogkitOptions, env: Env): LogkitConfig {
  const read = new SettingsReader(env);
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
    dedup: parseDedupConfig(read, options.dedup),
    exitTimeoutMs: read.int('OTEL_LOGKIT_EXIT_TIMEOUT', DEFAULT_EXIT_TIMEOUT_MS, { min: 0, max: 600_000 }, options.exitTimeoutMs),
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
