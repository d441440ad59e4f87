import type { DeliveryOptions } from '../exporters/config.js';
import type { LinkOptions } from '../exporters/links.js';
import type { DeliverySettingsOptions } from '../exporters/delivery/config.js';
import { DESTINATIONS, type DestinationName } from '../exporters/registry.js';
import type { RoutingOptions } from '../exporters/routing/config.js';
import type { EnrichmentOptions } from '../processors/enrichment/config.js';
import type { RedactionOptions } from '../processors/redaction/config.js';
import type { AuditOptions } from '../processors/audit/config.js';
import type { DedupOptions } from '../processors/dedup/config.js';
import type { SamplingOptions } from '../processors/sampling/config.js';
import type { DeferredOptions } from '../processors/sampling/deferred/config.js';
import type { ArchiveSettingsOptions } from './archive/config.js';
import { fileSetting } from './config-file-yaml.js';
import type { OptionKeys } from './core/env.js';
import { ConfigError } from './core/errors.js';
import type { SnapshotLimits } from './core/record.js';

/**
 * The keys of `LogkitOptions` and of each of its sections, checked against the option types by the
 * compiler (`satisfies`), so a new option cannot be forgotten here. An unknown key in the file is an
 * error that lists the accepted ones: a typo never silently turns a setting off.
 */
export const LOGKIT_SECTION_KEYS = {
  env: 0,
  configFile: 0,
  exporter: 0,
  meterProvider: 0,
  disabled: 1,
  serviceName: 1,
  serviceVersion: 1,
  resourceAttributes: 1,
  exporters: 1,
  limits: 1,
  enrichment: 1,
  sampling: 1,
  redaction: 1,
  dedup: 1,
  delivery: 1,
  exitTimeoutMs: 1,
  audit: 1,
  archive: 1,
} as const;

const DELIVERY_SETTINGS = {
  maxBatchRecords: 1,
  scheduleDelayMs: 1,
  maxQueueRecords: 1,
  flushTimeoutMs: 1,
  maxBatchBytes: 1,
  maxQueueBytes: 1,
  maxInFlight: 1,
  spoolDir: 1,
  spoolMaxBytes: 1,
  spoolSegmentBytes: 1,
  spoolFsync: 1,
  spoolKey: 1,
  deadLetterDir: 1,
  retryInitialBackoffMs: 1,
  retryMaxBackoffMs: 1,
  retryMaxElapsedMs: 1,
  adaptiveConcurrency: 1,
  spoolCommitIntervalMs: 1,
  deliveryThread: 1,
  workerMaxHeapBytes: 1,
  workerYoungGenerationBytes: 1,
  whenFull: 1,
} as const satisfies OptionKeys<DeliverySettingsOptions>;

/** `delivery.<name>` for every destination of the registry: a new backend is accepted in the file with no line here. */
const DESTINATION_SECTIONS = Object.fromEntries(DESTINATIONS.map((d) => [d.name, 1])) as Record<DestinationName, 1>;

const SECTIONS: Record<string, Record<string, 0 | 1>> = {
  audit: { enabled: 1, signingKeyFile: 1, stream: 1, digestRecords: 1, digestIntervalMs: 1 } satisfies OptionKeys<AuditOptions>,
  archive: { dir: 1, s3Bucket: 1, s3Endpoint: 1, s3Region: 1, s3Prefix: 1, key: 1, thresholdBytes: 1 } satisfies OptionKeys<ArchiveSettingsOptions>,
  limits: { attributeCountLimit: 1, attributeValueLengthLimit: 1, maxStringLength: 1, maxDepth: 1, maxCollectionLength: 1 } satisfies OptionKeys<SnapshotLimits & { attributeCountLimit: number; attributeValueLengthLimit: number }>,
  enrichment: { tags: 1, componentTags: 1, baggageKeys: 1, globalIdFromTrace: 1 } satisfies OptionKeys<EnrichmentOptions>,
  sampling: {
    level: 1,
    levels: 1,
    levelsFile: 1,
    levelsUrl: 1,
    levelsPollIntervalMs: 1,
    sampleRatios: 1,
    rateLimitPerSecond: 1,
    rateLimitBurst: 1,
    deferred: 1,
    adaptiveSampling: 1,
    adaptiveSamplingHighWater: 1,
  } satisfies OptionKeys<SamplingOptions>,
  dedup: { windowMs: 1, fields: 1, maxKeys: 1 } satisfies OptionKeys<DedupOptions>,
  'sampling.deferred': { enabled: 1, flushLevel: 1, maxRecords: 1, maxBytes: 1, maxTotalBytes: 1, globalMaxRecords: 1, ttlMs: 1, forward: 1 } satisfies OptionKeys<DeferredOptions>,
  redaction: {
    enabled: 1,
    keys: 1,
    allowedKeys: 1,
    ignoredKeys: 1,
    detectors: 1,
    patterns: 1,
    action: 1,
    actions: 1,
    hashKey: 1,
    summary: 1,
    urlAttributes: 1,
    dbAttributes: 1,
  } satisfies OptionKeys<RedactionOptions>,
  delivery: { ...DELIVERY_SETTINGS, routing: 1, links: 1, ...DESTINATION_SECTIONS } satisfies OptionKeys<DeliveryOptions>,
  'delivery.routing': { routes: 1 } satisfies OptionKeys<RoutingOptions>,
  'delivery.links': { grafanaBase: 1, grafanaDatasource: 1, grafanaOrgId: 1, kibanaBase: 1, kibanaDataView: 1, lookback: 1 } satisfies OptionKeys<LinkOptions>,
  ...Object.fromEntries(DESTINATIONS.map((d) => [`delivery.${d.name}`, d.optionKeys])),
};

/**
 * Checks the `otel_logkit` section's keys, section by section (values are checked by the same
 * parsers as options given in code, see {@link explainWithFilePaths}). The section is the
 * `createLogPipeline` options object written as YAML, with the same names (`spoolDir`, `maxBatchRecords`).
 */
export function checkLogkitSection(section: Record<string, unknown>, path: string): void {
  checkKeys(section, path, LOGKIT_SECTION_KEYS);
  for (const [name, keys] of Object.entries(SECTIONS)) {
    const value = name.split('.').reduce<unknown>((node, key) => (isMap(node) ? node[key] : undefined), section);
    if (value === undefined || value === null) continue;
    if (!isMap(value)) throw new ConfigError(fileSetting(`${path}.${name}`), value, 'a mapping');
    checkKeys(value, `${path}.${name}`, keys);
  }
}

function checkKeys(section: Record<string, unknown>, path: string, keys: Record<string, 0 | 1>): void {
  const accepted = Object.keys(keys).filter((k) => keys[k] === 1);
  for (const key of Object.keys(section)) {
    if (keys[key] === 1) continue;
    const why = keys[key] === 0 ? `; ${key} can only be given in code` : '';
    throw new ConfigError(fileSetting(`${path}.${key}`), key, `one of ${accepted.join(', ') || '(no settings)'}${why}`);
  }
}

/**
 * Runs `resolve` over `options` and, when it throws a ConfigError about an option that came from the
 * file, renames the setting to its YAML path (`OTEL_CONFIG_FILE:otel_logkit.sampling.level`). The
 * parsers validate options right where they read them, so the option read last before the error is
 * the one at fault; a proxy over the options notes each value read.
 */
export function explainWithFilePaths<T>(options: Record<string, unknown>, paths: ReadonlyMap<string, string>, resolve: (tracked: Record<string, unknown>) => T): T {
  const tracker: { last?: string } = {};
  try {
    return resolve(track(options, '', tracker));
  } catch (error) {
    const yamlPath = error instanceof ConfigError && tracker.last !== undefined ? locate(paths, tracker.last) : undefined;
    if (yamlPath === undefined) throw error;
    const cause = error as ConfigError;
    throw new ConfigError(fileSetting(yamlPath), cause.value, cause.expected, { cause });
  }
}

function track<T extends object>(value: T, path: string, tracker: { last?: string }): T {
  if (Object.isFrozen(value)) return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const item: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return item;
      const itemPath = path === '' ? key : `${path}.${key}`;
      // Only the plain data of the options: objects given in code (an exporter, a meter provider) are handed on untouched.
      if (isPlainData(item)) return track(item, itemPath, tracker);
      if (item !== undefined && typeof item !== 'function') tracker.last = itemPath;
      return item;
    },
  });
}

/** The YAML path of an option path: its own, or its nearest recorded ancestor's plus the rest. */
function locate(paths: ReadonlyMap<string, string>, optionPath: string): string | undefined {
  let prefix = optionPath;
  while (prefix !== '') {
    const found = paths.get(prefix);
    if (found !== undefined) return found + optionPath.slice(prefix.length);
    const dot = prefix.lastIndexOf('.');
    prefix = dot === -1 ? '' : prefix.slice(0, dot);
  }
  return undefined;
}

function isPlainData(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof RegExp);
}
