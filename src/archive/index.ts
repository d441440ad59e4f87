import type { SettingsReader } from '../core/env.js';
import { LogkitError } from '../core/errors.js';
import type { LogValue } from '../core/record.js';
import type { LogStage, StageContext } from '../core/stage.js';
import { Redactor, type RedactionConfig } from '../../processors/redaction/index.js';
import { Archive, type ArchiveOptions, type ArchiveRef } from './archive.js';
import { ArchiveStage } from './archive-stage.js';
import { type ArchiveConfig, archiveConfigured, parseArchiveConfig } from './config.js';
import { LocalDirectoryStore } from './local-store.js';
import { S3Store } from './s3-store.js';

export { Archive, type ArchiveRef, type ArchiveOptions } from './archive.js';
export { parseArchiveConfig, type ArchiveConfig, type ArchiveSettingsOptions } from './config.js';
export type { ArchiveStore } from './store.js';
export { LocalDirectoryStore } from './local-store.js';
export { S3Store } from './s3-store.js';

/** The archive of the configured store, redacting with `redaction` when it is enabled; undefined without a store. */
export function createArchive(config: ArchiveConfig, redaction?: RedactionConfig): Archive | undefined {
  if (!archiveConfigured(config)) return undefined;
  const store = config.dir !== undefined ? new LocalDirectoryStore(config.dir) : new S3Store(config.s3!);
  return new Archive(store, config.key, redaction?.enabled ? new Redactor(redaction) : undefined);
}

/** The archive from the environment alone (the CLI's `archive get`). */
export function archiveFromEnvironment(read: SettingsReader): Archive | undefined {
  return createArchive(parseArchiveConfig(read));
}

/** The stage that moves values above the threshold, or `next` when automatic archiving is off. */
export function createArchiveStage(archive: Archive | undefined, config: ArchiveConfig, ctx: StageContext, next: LogStage): LogStage {
  if (archive === undefined) return next;
  const stage = config.thresholdBytes > 0 ? new ArchiveStage(archive, config.thresholdBytes, next) : undefined;
  ctx.stats.register('archive', () => ({ ...archive.stats(), moved: stage?.moved ?? 0, internal_errors: stage?.errors ?? 0 }), { gauges: ['pending'] });
  if (stage) return stage;
  return {
    write: (record, context) => next.write(record, context),
    forceFlush: async () => {
      await archive.flush();
      await next.forceFlush();
    },
    shutdown: async () => {
      await archive.flush();
      await next.shutdown();
    },
  };
}

let current: Archive | undefined;

/** Set by the pipeline at startup: the archive `archive()` writes to. */
export function useArchive(archive: Archive | undefined): void {
  current = archive;
}

/**
 * Stores a payload (a request, a document) in the configured archive — redacted with the pipeline's
 * rules, content-addressed, encrypted when `OTEL_LOGKIT_ARCHIVE_KEY` is set — and returns the
 * reference to put on the record instead of the payload. Never blocks: redaction runs on a later turn,
 * hashing and I/O off the application's thread. Rejects with a `LogkitError` when no store is
 * configured or the write fails.
 *
 * @example
 * const ref = await archive(requestBody, { contentType: 'application/json' });
 * logger.emit({ body: 'order received', attributes: { ...ref, 'order.id': id } });
 */
export async function archive(payload: LogValue | object, options: ArchiveOptions = {}): Promise<ArchiveRef> {
  if (current === undefined) {
    throw new LogkitError('LOGKIT_ARCHIVE_FAILED', 'no archive store: set OTEL_LOGKIT_ARCHIVE_DIR or OTEL_LOGKIT_ARCHIVE_S3_BUCKET before the pipeline starts');
  }
  return current.put(payload, options);
}
