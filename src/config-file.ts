import { readFileSync } from 'node:fs';
import { COMPRESSIONS } from '../exporters/delivery/compress.js';
import { fileSetting, parseConfigYaml } from './config-file-yaml.js';
import { checkLogkitSection } from './config-file-logkit.js';
import type { Env } from './core/env.js';
import { ConfigError } from './core/errors.js';
import { parseSeverity } from './core/severity.js';

/**
 * What an `OTEL_CONFIG_FILE` says, as the options object `createLogPipeline` takes (`LogkitOptions`),
 * with where each option came from in the file, so an invalid value is reported by its YAML path.
 */
export interface ConfigFileOptions {
  options: Record<string, unknown>;
  /** Option path (`delivery.otlp.endpoint`) → YAML path (`logger_provider.processors[0].batch.exporter.otlp_http.endpoint`). */
  paths: Map<string, string>;
}

/** The declarative configuration format versions this reader understands: 1.x, and the 0.x drafts before it. */
const FILE_FORMAT = /^(0|1)\.\d+(?:-[\w.]+)?$/;
/** No limit (`0` in the file) as a timer can hold it. */
const NO_LIMIT_MS = 2_147_483_647;

/**
 * Reads the OTel declarative configuration file (opentelemetry-configuration, `file_format` 1.x or
 * 0.x) for the logs signal: `disabled`, `resource` (`attributes`, `attributes_list`),
 * `attribute_limits`, `logger_provider` (`processors`: `batch` / `simple` with an `otlp_http` or
 * `console` exporter; `limits`; `logger_configurator/development`) and our own `otel_logkit` section
 * (the `LogkitOptions` object as YAML, for our stages and destinations). The other signals' sections
 * are left to the SDKs that read them. Every error names the YAML path and the accepted form.
 *
 * How the standard parts map onto our one pipeline: each processor's exporter becomes a destination
 * (`otlp_http` → `otlp`, `console` → `console`); the batch settings become the delivery core's, which
 * every destination shares (so all processors must agree on them); `simple` exports without waiting
 * (schedule delay 0). `logger_configurator` minimum severities become sampling thresholds.
 */
export function readConfigFile(path: string, env: Env): ConfigFileOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('OTEL_CONFIG_FILE', path, 'the path of a readable YAML configuration file', { cause });
  }
  const root = FileNode.root(parseConfigYaml(text, path, env));
  const out = new OptionsBuilder();
  const format = root.get('file_format');
  if (typeof format !== 'string' && typeof format !== 'number') throw new ConfigError(fileSetting('file_format'), format ?? '', 'a file format version such as "1.0" (required)');
  if (!FILE_FORMAT.test(String(format))) throw new ConfigError(fileSetting('file_format'), format, 'a 1.x file format (or a 0.x draft), e.g. "1.0"');
  out.set('disabled', root.bool('disabled'), root.at('disabled'));
  readResource(root.section('resource'), out);
  readLimits(root.section('attribute_limits'), out);
  const provider = root.section('logger_provider');
  out.set('exporters', [], 'logger_provider');
  if (provider) readLoggerProvider(provider, out);
  const logkit = root.section('otel_logkit');
  if (logkit) {
    checkLogkitSection(logkit.value, logkit.path);
    out.merge(logkit.value, logkit.path);
  }
  return { options: out.options, paths: out.paths };
}

function readResource(resource: FileNode | undefined, out: OptionsBuilder): void {
  if (!resource) return;
  const attributes: Record<string, unknown> = {};
  const list = resource.string('attributes_list');
  if (list !== undefined) {
    for (const entry of list.split(',')) {
      if (entry.trim() === '') continue;
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new ConfigError(fileSetting(resource.at('attributes_list')), list, 'a comma-separated list of key=value pairs (values percent-encoded)');
      try {
        attributes[decodeURIComponent(entry.slice(0, eq).trim())] = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch (cause) {
        throw new ConfigError(fileSetting(resource.at('attributes_list')), list, 'key=value pairs whose values are valid percent-encoding', { cause });
      }
    }
  }
  // `attributes` wins over `attributes_list`, as the schema says.
  resource.items('attributes')?.forEach((item) => {
    const name = item.string('name');
    if (name === undefined || name === '') throw new ConfigError(fileSetting(item.at('name')), name ?? '', 'an attribute name (required)');
    const value = attributeValue(item);
    if (value !== null) attributes[name] = value;
  });
  if (Object.keys(attributes).length > 0) out.set('resourceAttributes', attributes, resource.at('attributes'));
}

const ATTRIBUTE_TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  int: (v) => Number.isSafeInteger(v),
  double: (v) => typeof v === 'number',
  string_array: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  bool_array: (v) => Array.isArray(v) && v.every((x) => typeof x === 'boolean'),
  int_array: (v) => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x)),
  double_array: (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'),
};

function attributeValue(item: FileNode): unknown {
  const value = item.get('value');
  if (value === null || value === undefined) return null;
  const type = item.get('type') ?? 'string';
  const fits = typeof type === 'string' ? ATTRIBUTE_TYPES[type] : undefined;
  if (!fits) throw new ConfigError(fileSetting(item.at('type')), type, `one of ${Object.keys(ATTRIBUTE_TYPES).join(', ')}`);
  // A number written for a string attribute is meant as text (`version: 2` with the default type).
  const converted = type === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? String(value) : value;
  if (!fits(converted)) throw new ConfigError(fileSetting(item.at('value')), value, `a value of type ${type}`);
  return converted;
}

function readLimits(limits: FileNode | undefined, out: OptionsBuilder): void {
  if (!limits) return;
  const length = limits.get('attribute_value_length_limit');
  // null (or absent) means no limit; the option overrides what the variables would say, so say it.
  if (limits.has('attribute_value_length_limit')) out.set('limits.attributeValueLengthLimit', length === null ? Number.MAX_SAFE_INTEGER : limits.int('attribute_value_length_limit', 0), limits.at('attribute_value_length_limit'));
  out.set('limits.attributeCountLimit', limits.int('attribute_count_limit', 0), limits.at('attribute_count_limit'));
}

function readLoggerProvider(provider: FileNode, out: OptionsBuilder): void {
  const processors = provider.items('processors');
  if (!processors || processors.length === 0) throw new ConfigError(fileSetting(provider.at('processors')), '', 'a list of at least one processor (batch or simple)');
  const exporters: string[] = [];
  let batchFrom: { path: string; settings: string } | undefined;
  for (const processor of processors) {
    const kind = processor.onlyKey(['batch', 'simple'], 'a processor: batch or simple (otel-logkit runs its own stages; add them in otel_logkit)');
    const body = processor.section(kind)!;
    const delivery: Record<string, unknown> = {};
    if (kind === 'batch') {
      delivery.scheduleDelayMs = body.int('schedule_delay', 0);
      const timeout = body.int('export_timeout', 0);
      delivery.flushTimeoutMs = timeout === 0 ? NO_LIMIT_MS : timeout;
      delivery.maxQueueRecords = body.int('max_queue_size', 1);
      delivery.maxBatchRecords = body.int('max_export_batch_size', 1);
    } else delivery.scheduleDelayMs = 0;
    // One delivery core serves every destination, so every processor must ask for the same batching.
    const settings = JSON.stringify(delivery);
    if (batchFrom && batchFrom.settings !== settings) {
      throw new ConfigError(fileSetting(processor.at(kind)), settings, `the same processor settings as ${batchFrom.path} (otel-logkit delivers every exporter through one shared core)`);
    }
    batchFrom ??= { path: processor.at(kind), settings };
    for (const [key, value] of Object.entries(delivery)) out.set(`delivery.${key}`, value, body.at(YAML_NAMES[key]!));
    const exporter = body.section('exporter');
    if (!exporter) throw new ConfigError(fileSetting(body.at('exporter')), '', 'an exporter: otlp_http or console (required)');
    const name = readExporter(exporter, out);
    if (exporters.includes(name)) throw new ConfigError(fileSetting(exporter.path), name, `one ${name} exporter per file (more destinations: otel_logkit.delivery.routing)`);
    exporters.push(name);
  }
  out.set('exporters', exporters, provider.at('processors'));
  readLimits(provider.section('limits'), out);
  const configurator = provider.section('logger_configurator/development') ?? provider.section('logger_configurator');
  if (configurator) readLoggerConfigurator(configurator, out);
}

const YAML_NAMES: Record<string, string> = {
  scheduleDelayMs: 'schedule_delay',
  flushTimeoutMs: 'export_timeout',
  maxQueueRecords: 'max_queue_size',
  maxBatchRecords: 'max_export_batch_size',
};

function readExporter(exporter: FileNode, out: OptionsBuilder): 'otlp' | 'console' {
  const kind = exporter.onlyKey(['otlp_http', 'console'], 'an exporter: otlp_http or console (otlp_grpc is not supported by otel-logkit: use otlp_http on port 4318)');
  if (kind === 'console') return 'console';
  const otlp = exporter.section('otlp_http') ?? FileNode.empty(exporter.at('otlp_http'));
  out.set('delivery.otlp.endpoint', otlp.string('endpoint'), otlp.at('endpoint'));
  const headers: Record<string, string> = {};
  const list = otlp.string('headers_list');
  if (list !== undefined) {
    for (const entry of list.split(',')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new ConfigError(fileSetting(otlp.at('headers_list')), list, 'a comma-separated list of key=value pairs');
      headers[entry.slice(0, eq).trim()] = decodeURIComponent(entry.slice(eq + 1).trim());
    }
  }
  otlp.items('headers')?.forEach((item) => {
    const name = item.string('name');
    if (!name) throw new ConfigError(fileSetting(item.at('name')), '', 'a header name (required)');
    const value = item.string('value');
    if (value !== undefined) headers[name] = value;
  });
  if (Object.keys(headers).length > 0) out.set('delivery.otlp.headers', headers, otlp.at(otlp.has('headers') ? 'headers' : 'headers_list'));
  const compression = otlp.string('compression');
  if (compression !== undefined && !(COMPRESSIONS as readonly string[]).includes(compression)) {
    throw new ConfigError(fileSetting(otlp.at('compression')), compression, `one of ${COMPRESSIONS.join(', ')}`);
  }
  out.set('delivery.otlp.compression', compression, otlp.at('compression'));
  const timeout = otlp.int('timeout', 0);
  out.set('delivery.otlp.timeoutMs', timeout === 0 ? NO_LIMIT_MS : timeout, otlp.at('timeout'));
  const encoding = otlp.string('encoding');
  if (encoding !== undefined && encoding !== 'protobuf' && encoding !== 'json') throw new ConfigError(fileSetting(otlp.at('encoding')), encoding, 'protobuf or json');
  out.set('delivery.otlp.protocol', encoding && `http/${encoding}`, otlp.at('encoding'));
  const tls = otlp.section('tls');
  if (tls) {
    out.set('delivery.otlp.certificate', tls.string('ca_file'), tls.at('ca_file'));
    out.set('delivery.otlp.clientCertificate', tls.string('cert_file'), tls.at('cert_file'));
    out.set('delivery.otlp.clientKey', tls.string('key_file'), tls.at('key_file'));
  }
  return 'otlp';
}

/** Minimum severities per logger become sampling thresholds: `default_config` the global level, `loggers` per-name levels. */
function readLoggerConfigurator(configurator: FileNode, out: OptionsBuilder): void {
  const level = (config: FileNode): string | undefined => {
    if (config.get('enabled') === false) throw new ConfigError(fileSetting(config.at('enabled')), false, 'true (otel-logkit cannot switch a logger off; use minimum_severity: fatal4)');
    if (config.get('trace_based') === true) throw new ConfigError(fileSetting(config.at('trace_based')), true, 'false (trace-based filtering is not supported; otel-logkit samples per trace with otel_logkit.sampling.sampleRatios)');
    const severity = config.string('minimum_severity');
    if (severity !== undefined && parseSeverity(severity) === undefined) throw new ConfigError(fileSetting(config.at('minimum_severity')), severity, 'a severity: trace … trace4, debug …, info …, warn …, error …, fatal … fatal4');
    return severity;
  };
  const defaults = configurator.section('default_config');
  if (defaults) out.set('sampling.level', level(defaults), defaults.at('minimum_severity'));
  const levels: Record<string, string> = {};
  configurator.items('loggers')?.forEach((entry) => {
    const name = entry.string('name');
    if (!name || name.includes('?')) throw new ConfigError(fileSetting(entry.at('name')), name ?? '', 'a logger name, or a pattern with * (? is not supported)');
    const config = entry.section('config');
    const severity = config && level(config);
    if (severity !== undefined) {
      levels[name] = severity;
      out.paths.set(`sampling.levels.${name}`, config!.at('minimum_severity'));
    }
  });
  if (Object.keys(levels).length > 0) out.set('sampling.levels', levels, configurator.at('loggers'), false);
}

/** One map of the file with its YAML path; typed getters throw a ConfigError naming the path. */
export class FileNode {
  private constructor(
    readonly value: Record<string, unknown>,
    readonly path: string,
  ) {}

  static root(value: unknown): FileNode {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('OTEL_CONFIG_FILE', typeof value, 'a YAML mapping with file_format and the sections of the OTel configuration schema');
    return new FileNode(value as Record<string, unknown>, '');
  }

  static empty(path: string): FileNode {
    return new FileNode({}, path);
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.value, key);
  }

  get(key: string): unknown {
    return this.has(key) ? this.value[key] : undefined;
  }

  string(key: string): string | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') throw new ConfigError(fileSetting(this.at(key)), value, 'a string');
    return value;
  }

  int(key: string, min: number): number | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (!Number.isSafeInteger(value) || (value as number) < min) throw new ConfigError(fileSetting(this.at(key)), value, `a whole number from ${min}`);
    return value as number;
  }

  bool(key: string): boolean | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw new ConfigError(fileSetting(this.at(key)), value, 'true or false');
    return value;
  }

  section(key: string): FileNode | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(fileSetting(this.at(key)), value, 'a mapping');
    return new FileNode(value as Record<string, unknown>, this.at(key));
  }

  items(key: string): FileNode[] | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw new ConfigError(fileSetting(this.at(key)), value, 'a list');
    return value.map((item, i) => {
      const path = `${this.at(key)}[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(fileSetting(path), item, 'a mapping');
      return new FileNode(item as Record<string, unknown>, path);
    });
  }

  /** The one key of a "one of" mapping (`batch:` or `simple:`), which must be one of `accepted`. */
  onlyKey<K extends string>(accepted: readonly K[], form: string): K {
    const keys = Object.keys(this.value);
    const key = keys[0];
    if (keys.length !== 1 || !accepted.includes(key as K)) throw new ConfigError(fileSetting(keys.length === 1 ? this.at(key!) : this.path), keys.join(', '), form);
    return key as K;
  }
}

/** The options object being built, and where each of its leaves came from. */
class OptionsBuilder {
  readonly options: Record<string, unknown> = {};
  readonly paths = new Map<string, string>();

  /** Sets one option (`delivery.otlp.endpoint`); undefined leaves it unset. `leaf`: record the path of this option only. */
  set(optionPath: string, value: unknown, yamlPath: string, leaf = true): void {
    if (value === undefined) return;
    const keys = optionPath.split('.');
    let target = this.options;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = value;
    if (leaf) this.paths.set(optionPath, yamlPath);
  }

  /** Merges the `otel_logkit` section over what the standard sections said: the section wins, leaf by leaf. */
  merge(section: Record<string, unknown>, yamlPath: string): void {
    mergeOptions(this.options, section, (optionPath) => this.paths.set(optionPath, `${yamlPath}.${optionPath}`));
  }
}

/**
 * Merges `source` into `target`, plain maps key by key, anything else (lists, values, buffers,
 * functions) replaced whole; `onLeaf` is told the path of every replaced value. Used for the
 * `otel_logkit` section over the standard parts, and for code options over the file.
 */
export function mergeOptions(target: Record<string, unknown>, source: Readonly<Record<string, unknown>>, onLeaf: (path: string) => void = () => {}, prefix = ''): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (isPlainMap(value) && isPlainMap(current)) mergeOptions(current, value, onLeaf, path);
    else if (isPlainMap(value)) target[key] = mergeOptions({}, value, onLeaf, path);
    else {
      target[key] = value;
      onLeaf(path);
    }
  }
  return target;
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
