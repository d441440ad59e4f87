import { createHash, webcrypto } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { LogkitError } from '../core/errors.js';
import { copyValue, type LogValue } from '../core/record.js';
import { toJsonValue } from '../core/record-fields.js';
import type { Redactor } from '../../processors/redaction/index.js';
import type { ArchiveStore } from './store.js';

/** What goes on the record: spread it into the attributes. */
export interface ArchiveRef {
  /** `sha256:<hex>` of the stored (redacted) payload: its content address. */
  'archive.ref': string;
  'archive.size': number;
  'archive.content_type': string;
}

export interface ArchiveOptions {
  /** Default: `application/json` for objects, `text/plain; charset=utf-8` for strings, `application/octet-stream` for bytes. */
  contentType?: string;
}

const IV_BYTES = 12;
const REF_PREFIX = 'sha256:';
/** Content types whose bytes are text, and so can be redacted; JSON is redacted as a value (key rules apply). */
const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded|x-ndjson)|[^;]*\+(json|xml))/i;
const JSON_TYPE = /^(application\/(json|x-ndjson)|[^;]*\+json)/i;

/**
 * Stores payloads too large for a log record and gives back the reference to log instead. The payload
 * is redacted first (the pipeline's redaction rules), then addressed by the SHA-256 of what is stored,
 * optionally sealed with AES-256-GCM (`iv ‖ ciphertext ‖ tag`, as the spool seals its frames), and
 * written by the store with asynchronous I/O: hashing and sealing go through WebCrypto, which runs on
 * libuv's thread pool. Failures are counted in stats section `archive` and reject the promise.
 */
export class Archive {
  private stored = 0;
  private storedBytes = 0;
  private failed = 0;
  private readonly writes = new Set<Promise<unknown>>();
  private cryptoKey: Promise<webcrypto.CryptoKey> | undefined;

  constructor(
    readonly store: ArchiveStore,
    private readonly key: Buffer | undefined,
    private readonly redactor: Redactor | undefined,
  ) {}

  /** The numbers of stats section `archive`. */
  stats(): { stored: number; bytes: number; failed: number; pending: number } {
    return { stored: this.stored, bytes: this.storedBytes, failed: this.failed, pending: this.writes.size };
  }

  /**
   * Redacts, stores and references a payload. The caller's thread only takes a copy (the application
   * may reuse its buffer or object); redaction runs on a later turn of the event loop, hashing,
   * sealing and writing off it.
   */
  async put(payload: LogValue | object, options: ArchiveOptions = {}): Promise<ArchiveRef> {
    const copy = payload instanceof Uint8Array ? new Uint8Array(payload) : typeof payload === 'string' ? payload : copyValue(payload);
    await new Promise((resolve) => setImmediate(resolve));
    const { bytes, contentType } = this.encode(copy, options.contentType);
    const address = Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
    await this.track(this.write(address, bytes));
    return { 'archive.ref': REF_PREFIX + address, 'archive.size': bytes.byteLength, 'archive.content_type': contentType };
  }

  /**
   * For the archive stage: the reference now (a synchronous SHA-256 of already-redacted bytes), the
   * write in the background. A failed write is counted and logged; the record keeps its reference.
   */
  putInBackground(bytes: Uint8Array, contentType: string): ArchiveRef {
    const address = createHash('sha256').update(bytes).digest('hex');
    void this.track(this.write(address, bytes)).catch(() => {});
    return { 'archive.ref': REF_PREFIX + address, 'archive.size': bytes.byteLength, 'archive.content_type': contentType };
  }

  /** The payload behind a reference, checked against its address; throws a LogkitError when absent or altered. */
  async get(ref: string): Promise<Buffer> {
    const address = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
    if (!/^[0-9a-f]{64}$/.test(address)) throw new LogkitError('LOGKIT_ARCHIVE_FAILED', `${ref}: expected sha256:<64 hex digits>`);
    const atRest = await this.store.get(address);
    if (atRest === undefined) throw new LogkitError('LOGKIT_ARCHIVE_FAILED', `${ref} is not in the ${this.store.description}`);
    let bytes: Buffer;
    try {
      bytes = this.key ? await this.open(atRest) : atRest;
    } catch (cause) {
      throw new LogkitError('LOGKIT_ARCHIVE_CORRUPT', `${ref} cannot be decrypted with OTEL_LOGKIT_ARCHIVE_KEY (altered, or another key)`, { cause });
    }
    const actual = Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
    if (actual !== address) throw new LogkitError('LOGKIT_ARCHIVE_CORRUPT', `${ref} was altered: its content hashes to sha256:${actual}`);
    return bytes;
  }

  /** Resolves when every write started so far has finished (or failed). */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private encode(payload: LogValue, contentType: string | undefined): { bytes: Uint8Array; contentType: string } {
    if (payload instanceof Uint8Array) {
      const type = contentType ?? 'application/octet-stream';
      if (!this.redactor || !TEXTUAL.test(type)) return { bytes: payload, contentType: type };
      const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      if (JSON_TYPE.test(type)) {
        try {
          return { bytes: Buffer.from(JSON.stringify(toJsonValue(this.redactor.redactValue(copyValue(JSON.parse(text))))), 'utf8'), contentType: type };
        } catch {
          // Not JSON after all: redacted as text below.
        }
      }
      return { bytes: Buffer.from(String(this.redactor.redactValue(text)), 'utf8'), contentType: type };
    }
    if (typeof payload === 'string') {
      const text = this.redactor ? String(this.redactor.redactValue(payload)) : payload;
      return { bytes: Buffer.from(text, 'utf8'), contentType: contentType ?? 'text/plain; charset=utf-8' };
    }
    const redacted = this.redactor ? this.redactor.redactValue(payload) : payload;
    return { bytes: Buffer.from(JSON.stringify(toJsonValue(redacted)), 'utf8'), contentType: contentType ?? 'application/json' };
  }

  private async write(address: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.store.put(address, this.key ? await this.seal(bytes) : bytes);
      this.stored++;
      this.storedBytes += bytes.byteLength;
    } catch (error) {
      this.failed++;
      diag.error(`otel-logkit: archive: sha256:${address} could not be stored in the ${this.store.description}`, error);
      throw new LogkitError('LOGKIT_ARCHIVE_FAILED', `sha256:${address} could not be stored in the ${this.store.description}: ${(error as Error).message}`, { cause: error });
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.writes.add(promise);
    const done = () => this.writes.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private aesKey(): Promise<webcrypto.CryptoKey> {
    this.cryptoKey ??= webcrypto.subtle.importKey('raw', this.key!, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return this.cryptoKey;
  }

  private async seal(bytes: Uint8Array): Promise<Buffer> {
    const iv = webcrypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.aesKey(), bytes);
    return Buffer.concat([iv, new Uint8Array(sealed)]);
  }

  private async open(atRest: Buffer): Promise<Buffer> {
    const plain = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: atRest.subarray(0, IV_BYTES) }, await this.aesKey(), atRest.subarray(IV_BYTES));
    return Buffer.from(plain);
  }
}
