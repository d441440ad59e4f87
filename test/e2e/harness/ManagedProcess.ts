import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How a backend process is launched; the same spec is reused for every (re)start. */
export interface ProcessSpec {
  /** Short name used in error messages, e.g. "collector". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here across restarts, so a failure shows the whole history. */
  logFile: string;
}

/** Raised when a backend cannot be installed or started; its message carries the log tail. */
export class BackendStartError extends Error {
  readonly code = 'E2E_BACKEND_START';
  constructor(message: string) {
    super(message);
    this.name = 'BackendStartError';
  }
}

const live = new Set<ManagedProcess>();
// If the test worker dies, take the backends with it rather than leaving them on the machine.
process.on('exit', () => {
  for (const p of live) p.killGroupNow('SIGKILL');
});

/**
 * One backend process, started in its own process group so that stopping it kills the whole tree.
 * It can be stopped and started again any number of times (same command, same log file), and paused
 * with SIGSTOP to play a backend that has stopped answering.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitDescription = '';

  constructor(private readonly spec: ProcessSpec) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new BackendStartError(`${this.spec.name}: already running`);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    this.exitDescription = '';
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        live.delete(this);
        resolve();
      });
      child.once('error', (err) => {
        this.exitDescription = `could not be spawned: ${err.message}`;
        live.delete(this);
        resolve();
      });
    });
    live.add(this);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.child) return;
    if (this.running) {
      this.killGroupNow('SIGCONT'); // a paused process cannot act on SIGTERM
      this.killGroupNow('SIGTERM');
      const timer = setTimeout(() => this.killGroupNow('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Anything the leader left behind in its group goes too.
    this.killGroupNow('SIGKILL');
  }

  /** SIGKILL to the group: the crash case. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.killGroupNow('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.killGroupNow('SIGSTOP');
  }

  resume(): void {
    this.killGroupNow('SIGCONT');
  }

  killGroupNow(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  logTail(lines = 60): string {
    try {
      const text = readFileSync(this.spec.logFile, 'utf8');
      return text.split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /**
   * Polls `ready` until it returns true. Fails with the log tail if the process exits first or if
   * `timeoutMs` passes: a backend that cannot start must fail the run, loudly.
   */
  async waitUntilReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (!this.running) {
        await this.exited;
        throw new BackendStartError(
          `${this.spec.name} ${this.exitDescription || 'is not running'} before it was ready; ` +
            `log ${this.spec.logFile}:\n${this.logTail()}`,
        );
      }
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new BackendStartError(
          `${this.spec.name} not ready after ${timeoutMs} ms; log ${this.spec.logFile}:\n${this.logTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
