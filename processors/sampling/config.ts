import { readFileSync } from 'node:fs';
import { SeverityNumber } from '@opentelemetry/api';
import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { type DeferredConfig, type DeferredOptions, parseDeferredConfig } from './deferred/config.js';
import type { AdaptiveSamplingConfig } from './adaptive-sampler.js';
import { type LevelRules, levelsOf, parseRulesText, ratiosOf } from './rules.js';

/** Options given in code; each overrides the environment variable it names. */
export interface SamplingOptions {
  /** `OTEL_LOGKIT_LEVEL` (default `info`): the global minimum severity. */
  level?: SeverityNumber | string;
  /** `OTEL_LOGKIT_LEVELS`, e.g. `{ 'billing.*': 'debug', http: 'warn' }`: per logger-name pattern. */
  levels?: Record<string, SeverityNumber | string>;
  /** `OTEL_LOGKIT_LEVELS_FILE`: a JSON or YAML rules file, read at startup and watched. */
  levelsFile?: string;
  /** `OTEL_LOGKIT_LEVELS_URL`: a rules document polled over HTTP(S). */
  levelsUrl?: string;
  /** `OTEL_LOGKIT_LEVELS_POLL_INTERVAL` (ms, default 500): how often the file is checked and the URL polled. */
  levelsPollIntervalMs?: number;
  /** `OTEL_LOGKIT_SAMPLE_RATIOS`, e.g. `{ info: 0.1 }`: the fraction of a severity range kept, decided per trace. */
  sampleRatios?: Record<string, number>;
  /** `OTEL_LOGKIT_RATE_LIMIT` (default 0 = off): records per second per logger + severity range. */
  rateLimitPerSecond?: number;
  /** `OTEL_LOGKIT_RATE_LIMIT_BURST` (default: the rate): records a bucket may pass at once. */
  rateLimitBurst?: number;
  /** Deferred logging: hold what is below the threshold, release it when the execution fails. */
  deferred?: DeferredOptions;
  /** `OTEL_LOGKIT_ADAPTIVE_SAMPLING` (default true): lower DEBUG, then INFO ratios as a destination queue fills. */
  adaptiveSampling?: boolean;
  /** `OTEL_LOGKIT_ADAPTIVE_SAMPLING_HIGH_WATER` (0..1, default 0.5): the queue fill where ratios start to drop. */
  adaptiveSamplingHighWater?: number;
}

/** The validated sampling settings. */
export interface SamplingConfig {
  /** The rules from the environment and options: the lowest layer. */
  rules: LevelRules;
  /** The rules file: its path and the rules read from it at startup. */
  file?: { path: string; text: string; rules: LevelRules };
  url?: URL;
  pollIntervalMs: number;
  deferred: DeferredConfig;
  adaptive: AdaptiveSamplingConfig;
}

export function parseSamplingConfig(read: SettingsReader, options: SamplingOptions = {}): SamplingConfig {
  const rules: LevelRules = { level: read.severity('OTEL_LOGKIT_LEVEL', SeverityNumber.INFO, options.level) };
  rules.levels = levelsOf(options.levels ?? read.keyValues('OTEL_LOGKIT_LEVELS'), settingName('OTEL_LOGKIT_LEVELS', options.levels));
  rules.sample = ratiosOf(options.sampleRatios ?? read.keyValues('OTEL_LOGKIT_SAMPLE_RATIOS'), settingName('OTEL_LOGKIT_SAMPLE_RATIOS', options.sampleRatios));
  const perSecond = read.int('OTEL_LOGKIT_RATE_LIMIT', 0, {}, options.rateLimitPerSecond);
  if (perSecond > 0) rules.rateLimit = { perSecond, burst: read.int('OTEL_LOGKIT_RATE_LIMIT_BURST', perSecond, { min: 1 }, options.rateLimitBurst) };
  const pollIntervalMs = read.int('OTEL_LOGKIT_LEVELS_POLL_INTERVAL', 500, { min: 10, max: 60_000 }, options.levelsPollIntervalMs);
  const url = read.url('OTEL_LOGKIT_LEVELS_URL', options.levelsUrl);
  const adaptive: AdaptiveSamplingConfig = {
    enabled: read.bool('OTEL_LOGKIT_ADAPTIVE_SAMPLING', true, options.adaptiveSampling),
    highWater: read.ratio('OTEL_LOGKIT_ADAPTIVE_SAMPLING_HIGH_WATER', 0.5, options.adaptiveSamplingHighWater),
  };
  return { rules, file: readRulesFile(read, options.levelsFile), url, pollIntervalMs, deferred: parseDeferredConfig(read, options.deferred), adaptive };
}

/** A broken rules file at startup is a configuration error, like any other bad setting. */
function readRulesFile(read: SettingsReader, option: string | undefined): SamplingConfig['file'] {
  const path = read.string('OTEL_LOGKIT_LEVELS_FILE', undefined, option);
  if (path === undefined) return undefined;
  const setting = settingName('OTEL_LOGKIT_LEVELS_FILE', option);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(setting, path, 'the path of a readable JSON or YAML rules file', { cause });
  }
  return { path, text, rules: parseRulesText(text, `${setting} (${path})`) };
}

function settingName(name: string, option: unknown): string {
  return option === undefined ? name : `option overriding ${name}`;
}
