import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, type ProcessSpec } from './ManagedProcess.js';

/**
 * What every backend handle offers the fault-injection tests: the process can go away and come back
 * on the same ports and the same data directory, so what a backend had accepted before it went down
 * is still there after.
 */
export interface BackendLifecycle {
  /** Per-run storage and log directory, kept across stop()/start(), removed by dispose(). */
  readonly dataDir: string;
  /** Wall time of the most recent start, until ready, in milliseconds. */
  readonly lastStartMs: number;
  /** SIGTERM to the whole process tree, SIGKILL after a grace period. Data stays. */
  stop(): Promise<void>;
  /** Starts again after stop()/kill() and waits until ready. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILL to the whole process tree: the crash case. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a backend that accepts connections but answers nothing. */
  pause(): void;
  resume(): void;
  /** stop() and delete dataDir. */
  dispose(): Promise<void>;
  logTail(lines?: number): string;
}

export async function makeDataDir(backend: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `otel-logkit-e2e-${backend}-`));
}

/** Ties a ManagedProcess to its readiness check; the backend modules add their own query API. */
export class ProcessBackend implements BackendLifecycle {
  lastStartMs = 0;
  private readonly process: ManagedProcess;

  constructor(
    readonly dataDir: string,
    spec: ProcessSpec,
    private readonly ready: () => Promise<boolean>,
    private readonly readyTimeoutMs: number,
  ) {
    this.process = new ManagedProcess(spec);
  }

  async start(): Promise<void> {
    const began = performance.now();
    this.process.start();
    try {
      await this.process.waitUntilReady(this.ready, this.readyTimeoutMs);
    } catch (err) {
      await this.process.stop(2_000);
      throw err;
    }
    this.lastStartMs = Math.round(performance.now() - began);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  kill(): Promise<void> {
    return this.process.kill();
  }

  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  async dispose(): Promise<void> {
    await this.process.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  logTail(lines?: number): string {
    return this.process.logTail(lines);
  }
}

/** True once something answers HTTP at `url`, whatever the status. */
export async function answersHttp(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return true;
}
