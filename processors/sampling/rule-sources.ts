import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/** Where a rules layer comes from, as the audit record and `diag` name it. */
export interface RuleSourceEvents {
  /** The current text of the rules; may repeat the previous text (the receiver ignores repeats). */
  text(text: string): void;
  /** The rules could not be read; the last good rules stay. */
  error(error: unknown): void;
}

/** A watched rules file or a polled URL; reads happen here, off the emit path, and never throw out. */
export interface RuleSource {
  readonly kind: 'file' | 'url';
  /** The path, or the URL without credentials and query (which may carry tokens). */
  readonly origin: string;
  start(events: RuleSourceEvents): void;
  stop(): void;
}

/**
 * A rules file, watched with `fs.watch` on its directory (editors replace files by rename, which a
 * watch on the file itself misses) and polled by `stat` every `intervalMs` as a fallback for file
 * systems where watching does not work (network mounts, some containers).
 */
export class FileRuleSource implements RuleSource {
  readonly kind = 'file';
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private signature = '';
  private reading = false;
  private events: RuleSourceEvents | undefined;

  constructor(
    readonly origin: string,
    private readonly intervalMs: number,
  ) {}

  start(events: RuleSourceEvents): void {
    this.events = events;
    try {
      const name = basename(this.origin);
      this.watcher = watch(dirname(this.origin), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(this.debounce);
        // Let a burst of events (truncate, write, rename) settle into one read.
        this.debounce = setTimeout(() => void this.check(true), 20);
        this.debounce.unref();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // Watching is an accelerator; the poll below still applies changes.
    }
    this.timer = setInterval(() => void this.check(false), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.events = undefined;
  }

  private async check(force: boolean): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const info = await stat(this.origin);
      const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (!force && signature === this.signature) return;
      this.signature = signature;
      this.events?.text(await readFile(this.origin, 'utf8'));
    } catch (error) {
      this.signature = '';
      this.events?.error(error);
    } finally {
      this.reading = false;
    }
  }
}

/** A rules document polled over HTTP(S) every `intervalMs`, with `If-None-Match` so an unchanged one costs a 304. */
export class HttpRuleSource implements RuleSource {
  readonly kind = 'url';
  readonly origin: string;
  private timer: NodeJS.Timeout | undefined;
  private etag: string | undefined;
  private polling = false;
  private events: RuleSourceEvents | undefined;

  constructor(
    private readonly url: URL,
    private readonly intervalMs: number,
  ) {
    this.origin = `${url.origin}${url.pathname}`;
  }

  start(events: RuleSourceEvents): void {
    this.events = events;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.events = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const headers: Record<string, string> = { accept: 'application/json, application/yaml;q=0.9, text/plain;q=0.5' };
      if (this.etag !== undefined) headers['if-none-match'] = this.etag;
      // Our own polling is not the application's traffic: no spans for it (as the OTel exporters do).
      const response = await context.with(suppressTracing(context.active()), () =>
        fetch(this.url, { headers, signal: AbortSignal.timeout(Math.max(2000, this.intervalMs * 2)) }),
      );
      if (response.status === 304) return;
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} from ${this.origin}`);
      }
      const text = await response.text();
      this.etag = response.headers.get('etag') ?? undefined;
      this.events?.text(text);
    } catch (error) {
      this.events?.error(error);
    } finally {
      this.polling = false;
    }
  }
}
