import { type Context, diag } from '@opentelemetry/api';
import type { LogkitRecord, LogValue } from '../core/record.js';
import type { LogStage, WriteVerdict } from '../core/stage.js';
import type { Archive } from './archive.js';

/**
 * Moves what is too large for a log record into the archive: after redaction (the payload stored is
 * the redacted one) and before the audit chain (whose hash then covers the reference). A string or
 * bytes body above `thresholdBytes` becomes `[archived sha256:…]` with `archive.ref`, `archive.size`
 * and `archive.content_type` on the record; an attribute above it becomes the map
 * `{ "archive.ref", "archive.size", "archive.content_type" }`. The reference costs one SHA-256 of the
 * value on the emit path (about 1 ms per MB); the write happens in the background.
 * Note that the snapshot limit `OTEL_LOGKIT_MAX_STRING_LENGTH` (256 KiB) cuts strings before this stage.
 */
export class ArchiveStage implements LogStage {
  moved = 0;
  private internalErrors = 0;

  constructor(
    private readonly archive: Archive,
    private readonly thresholdBytes: number,
    private readonly next: LogStage,
  ) {}

  get errors(): number {
    return this.internalErrors;
  }

  write(record: LogkitRecord, context?: Context): WriteVerdict {
    try {
      const body = this.archived(record.body);
      if (body !== undefined) {
        record.body = `[archived ${body['archive.ref']}]`;
        Object.assign(record.attributes, body);
      }
      const attributes = record.attributes;
      for (const key of Object.keys(attributes)) {
        const ref = this.archived(attributes[key]);
        if (ref !== undefined) attributes[key] = { ...ref };
      }
    } catch (error) {
      this.internalErrors++;
      diag.error('otel-logkit: archive: a large value could not be moved to the archive; the record keeps it', error);
    }
    return this.next.write(record, context);
  }

  async forceFlush(): Promise<void> {
    await this.archive.flush();
    await this.next.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.archive.flush();
    await this.next.shutdown();
  }

  private archived(value: LogValue): ReturnType<Archive['putInBackground']> | undefined {
    if (typeof value === 'string') {
      // A string's UTF-8 size is at least its length: most strings are decided without encoding them.
      if (value.length * 3 <= this.thresholdBytes) return undefined;
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length <= this.thresholdBytes) return undefined;
      this.moved++;
      return this.archive.putInBackground(bytes, 'text/plain; charset=utf-8');
    }
    if (value instanceof Uint8Array && value.byteLength > this.thresholdBytes) {
      this.moved++;
      return this.archive.putInBackground(value, 'application/octet-stream');
    }
    return undefined;
  }
}
