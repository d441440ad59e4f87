import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { newId } from '../../src/core/ids.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { encodeOtlpJson } from '../codec/encode-json.js';
import type { WireResponse } from './protocol.js';
import type { DeliveryReason } from './reasons.js';

/** What the backend said, kept with the batch so an operator can see why it was refused. */
export interface RefusalEvidence {
  reason: DeliveryReason;
  /** The backend's own words (or ours), for a human. */
  message?: string;
  response?: WireResponse;
}

const MAX_RESPONSE_TEXT = 64 * 1024;

/**
 * Batches a backend permanently refused (a 400, a mapping error) are not lost: each is written as
 * one JSON file `<destination>-<time>-<id>.json` (mode 0600) holding `code` (the stable
 * {@link DeliveryReason}, to sort and count by), `reason` (the human explanation, as files have always
 * had it, so existing tooling keeps reading it), the status and body of the answer, and the records as an OTLP-JSON `ExportLogsServiceRequest`, ready to fix and resend.
 * The records went through redaction before reaching the destination, so no secret is written here;
 * request headers (which may hold credentials) are never written.
 */
export class DeadLetterDirectory {
  private created = false;

  constructor(
    private readonly dir: string,
    private readonly destination: string,
  ) {}

  /** Returns false when the file could not be written (the caller counts the batch failed). */
  write(records: readonly LogkitRecord[], evidence: RefusalEvidence): boolean {
    try {
      if (!this.created) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.created = true;
      }
      const response = evidence.response;
      const entry = {
        destination: this.destination,
        time: new Date().toISOString(),
        code: evidence.reason,
        reason: evidence.message ?? evidence.reason,
        records: records.length,
        response: response && {
          status: response.status,
          contentType: response.headers['content-type'],
          body: response.body.subarray(0, MAX_RESPONSE_TEXT).toString('utf8'),
        },
        request: JSON.parse(encodeOtlpJson(records)) as unknown,
      };
      const file = join(this.dir, `${this.destination}-${Date.now()}-${newId().slice(0, 8)}.json`);
      writeFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      return true;
    } catch (error) {
      diag.error(`otel-logkit: ${this.destination}: cannot write to the dead-letter directory ${this.dir}`, error);
      return false;
    }
  }
}
