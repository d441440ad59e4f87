import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { WireRequest, WireResponse } from '../delivery/protocol.js';
import type { Transport } from '../delivery/transport.js';
import type { FileExporterConfig } from './config.js';

export const CURRENT_FILE = 'logs.jsonl';

/**
 * The embedded default sink: each request body (one OTLP-JSON line) is appended to
 * `<dir>/logs.jsonl`, the Collector file exporter's format, so `otelcol` or `jq` can read it back.
 * When the file reaches its size limit it is renamed `logs-<time>-<n>.jsonl` and a new one is started.
 * A write failure rejects like a network error, so the core retries it and, when it gives up, counts
 * it with reason `send_error`.
 */
export class FileTransport implements Transport {
  private handle: FileHandle | undefined;
  private size = 0;
  private rotations = 0;
  /** Appends are chained so lines never interleave, whatever the number of batches in flight. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: FileExporterConfig) {}

  send(request: WireRequest): Promise<WireResponse> {
    const result = this.tail.then(() => this.append(request.body));
    this.tail = result.catch(() => {});
    return result;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async append(body: Uint8Array): Promise<WireResponse> {
    if (this.handle && this.size + body.byteLength > this.config.maxFileBytes && this.size > 0) await this.rotate();
    const handle = await this.current();
    await handle.appendFile(body);
    this.size += body.byteLength;
    return { status: 200, headers: {}, body: Buffer.alloc(0) };
  }

  private async current(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(this.config.dir, { recursive: true, mode: 0o700 });
    const path = join(this.config.dir, CURRENT_FILE);
    this.handle = await open(path, 'a', 0o600);
    this.size = (await stat(path)).size;
    return this.handle;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // The sequence number keeps names unique (and sorted) when several rotations fall in one millisecond.
    const sequence = String(this.rotations++).padStart(4, '0');
    await rename(join(this.config.dir, CURRENT_FILE), join(this.config.dir, `logs-${stamp}-${sequence}.jsonl`));
  }
}
