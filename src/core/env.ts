import { readFileSync } from 'node:fs';
import type { SeverityNumber } from '@opentelemetry/api';
import { ConfigError } from './errors.js';
import { parseSeverity, SEVERITY_FORM } from './severity.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Every key of an options type, checked by the compiler (`satisfies OptionKeys<LokiOptions>`), so a
 * new option cannot be forgotten: 1 may be set in the configuration file's `otel_logkit` section, 0
 * only in code (an object, a function, the environment itself).
 */
export type OptionKeys<T> = Readonly<Record<keyof T, 0 | 1>>;

/**
 * The one reader of configuration. Every getter takes the environment variable's name, a default,
 * and optionally the value given in code (which wins over the environment). Both are validated the
 * same way; a bad one throws a {@link ConfigError} that names the variable (or the option), the value
 * and the accepted form. Empty variables count as unset, as the OTel spec asks.
 *
 * @example
 * const read = new SettingsReader(process.env);
 * const size = read.int('OTEL_BLRP_MAX_QUEUE_SIZE', 2048, { min: 1 }, options.maxQueueSize);
 */
export class SettingsReader {
  constructor(readonly env: Env = process.env) {}

  /** The raw value, trimmed; undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** The first of several variables that is set, e.g. the signal-specific one before the generic one. */
  first(...names: string[]): { name: string; value: string } | undefined {
    for (const name of names) {
      const value = this.raw(name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  }

  string(name: string, fallback: string, option?: string): string;
  string(name: string, fallback?: string, option?: string): string | undefined;
  string(name: string, fallback?: string, option?: string): string | undefined {
    if (option !== undefined) return option;
    return this.raw(name) ?? fallback;
  }

  bool(name: string, fallback: boolean, option?: boolean): boolean {
    if (option !== undefined) return option;
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1' || lower === 'yes' || lower === 'on') return true;
    if (lower === 'false' || lower === '0' || lower === 'no' || lower === 'off') return false;
    throw new ConfigError(name, value, 'true or false');
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}, option?: number): number {
    const min = range.min ?? 0;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    const form = `a whole number from ${min} to ${max}`;
    if (option !== undefined) {
      if (!Number.isInteger(option) || option < min || option > max) throw new ConfigError(optionName(name), option, form);
      return option;
    }
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(name, value, form);
    return n;
  }

  /** A fraction 0..1 such as a sampling ratio. */
  ratio(name: string, fallback: number, option?: number): number {
    const form = 'a number from 0 to 1';
    if (option !== undefined) {
      if (!(option >= 0 && option <= 1)) throw new ConfigError(optionName(name), option, form);
      return option;
    }
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new ConfigError(name, value, form);
    return n;
  }

  /** A size in bytes: `1048576`, `512KiB`, `64MiB`, `1GiB` (KB/MB/GB are read as powers of 1024 too). */
  bytes(name: string, fallback: number, option?: number): number {
    const form = 'a size such as 1048576, 512KiB, 64MiB or 1GiB';
    if (option !== undefined) {
      if (!Number.isSafeInteger(option) || option < 0) throw new ConfigError(optionName(name), option, form);
      return option;
    }
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(value);
    if (!match) throw new ConfigError(name, value, form);
    const unit = (match[2] ?? 'b').toLowerCase()[0]!;
    const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
    return Number(match[1]) * factor;
  }

  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T, option?: T): T {
    const form = `one of ${accepted.join(', ')}`;
    if (option !== undefined) {
      if (!accepted.includes(option)) throw new ConfigError(optionName(name), option, form);
      return option;
    }
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase() as T;
    if (!accepted.includes(lower)) throw new ConfigError(name, value, form);
    return lower;
  }

  /** A comma-separated list, entries trimmed, empty entries dropped. */
  list(name: string, fallback: readonly string[] = [], option?: readonly string[]): string[] {
    if (option !== undefined) return [...option];
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  /**
   * A W3C-baggage-style list `key1=value1,key2=value2` with percent-encoded values, as used by
   * OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES.
   */
  keyValues(name: string, option?: Readonly<Record<string, string>>): Record<string, string> {
    if (option !== undefined) return { ...option };
    const value = this.raw(name);
    const out: Record<string, string> = Object.create(null);
    if (value === undefined) return out;
    for (const entry of value.split(',')) {
      if (entry.trim() === '') continue;
      const eq = entry.indexOf('=');
      const key = eq > 0 ? entry.slice(0, eq).trim() : '';
      if (key === '') throw new ConfigError(name, value, 'a comma-separated list of key=value pairs (values percent-encoded)');
      try {
        out[key] = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch (cause) {
        throw new ConfigError(name, value, 'key=value pairs whose values are valid percent-encoding', { cause });
      }
    }
    return out;
  }

  severity(name: string, fallback: SeverityNumber, option?: SeverityNumber | string): SeverityNumber {
    if (option !== undefined) {
      const parsed = typeof option === 'number' ? parseSeverity(String(option)) : parseSeverity(option);
      if (parsed === undefined) throw new ConfigError(optionName(name), option, SEVERITY_FORM);
      return parsed;
    }
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = parseSeverity(value);
    if (parsed === undefined) throw new ConfigError(name, value, SEVERITY_FORM);
    return parsed;
  }

  /** Reads a file named by the variable at startup (certificates, keys); unreadable files are a config error. */
  file(name: string, option?: string | Buffer): Buffer | undefined {
    if (Buffer.isBuffer(option)) return option;
    const path = option ?? this.raw(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new ConfigError(option !== undefined ? optionName(name) : name, path, 'the path of a readable file', { cause });
    }
  }

  /** A URL with http or https scheme. */
  url(name: string, option?: string): URL | undefined {
    const value = option ?? this.raw(name);
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch (cause) {
      throw new ConfigError(option !== undefined ? optionName(name) : name, value, 'an absolute http:// or https:// URL', { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(option !== undefined ? optionName(name) : name, value, 'an absolute http:// or https:// URL');
    }
    return url;
  }
}

/** How a code option is named in errors: the env variable it overrides, so users find it in the docs. */
function optionName(variable: string): string {
  return `option overriding ${variable}`;
}
