import type { OptionKeys, SettingsReader } from '../../src/core/env.js';

export interface FileExporterOptions {
  /** Overrides `OTEL_LOGKIT_FILE_DIR`. */
  dir?: string;
  /** Overrides `OTEL_LOGKIT_FILE_MAX_BYTES`. */
  maxFileBytes?: number;
}

export const FILE_OPTION_KEYS = { dir: 1, maxFileBytes: 1 } as const satisfies OptionKeys<FileExporterOptions>;

export interface FileExporterConfig {
  /** Where `logs.jsonl` is written (`./otel-logs` by default). */
  dir: string;
  /** Size at which `logs.jsonl` is renamed `logs-<time>-<n>.jsonl` and a new one started. */
  maxFileBytes: number;
}

export function parseFileExporterConfig(read: SettingsReader, options: FileExporterOptions = {}): FileExporterConfig {
  return {
    dir: read.string('OTEL_LOGKIT_FILE_DIR', './otel-logs', options.dir),
    maxFileBytes: read.bytes('OTEL_LOGKIT_FILE_MAX_BYTES', 64 * 1024 * 1024, options.maxFileBytes),
  };
}
