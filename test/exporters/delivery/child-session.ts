import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fault-child.ts', import.meta.url));

/** Every record received (or replayed from an earlier process's spool) is in exactly one place: delivered, counted lost, or still waiting (memory or disk). */
export function unaccounted(stats: Record<string, unknown>): number {
  const lost = (section: unknown) => Object.values((section ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  const n = (key: string) => Number(stats[key] ?? 0);
  return n('received') + n('replayed') - n('exported') - n('rejected') - n('dead_lettered') - n('failed') - lost(stats.dropped) - n('queued') - n('spool_records');
}

/**
 * The fault child (fault-child.ts) as a conversation: one command, one answer line. `exit` resolves
 * when the process ends on its own, or with signal SIGKILL after `hangMs` (something kept it alive).
 */
export class ChildSession {
  private readonly proc: ChildProcess;
  private buffered = '';
  private readonly lines: string[] = [];
  private waiter: ((line: string) => void) | undefined;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;

  constructor(env: Record<string, string>, options: { shell?: string; hangMs?: number } = {}) {
    const argv = [process.execPath, '--import', 'tsx', child];
    this.proc = options.shell
      ? spawn('sh', ['-c', `${options.shell}; exec "$@"`, 'sh', ...argv], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    this.proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop()!;
      for (const line of parts) this.push(line);
    });
    let hang: NodeJS.Timeout | undefined;
    this.exit = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        clearTimeout(hang);
        // A command still waiting for its answer gets this instead (the child crashed).
        this.push(`exited ${code} ${signal}`);
        resolve({ code, signal, stderr });
      }),
    );
    this.ended = () => {
      hang = setTimeout(() => this.proc.kill('SIGKILL'), options.hangMs ?? 15_000);
    };
  }

  /** Starts the watch for a process that does not end on its own. */
  readonly ended: () => void;

  async send(command: string): Promise<string> {
    this.proc.stdin!.write(`${command}\n`);
    return this.line();
  }

  async stats(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.send('stats')) as Record<string, unknown>;
  }

  /** Shuts the pipeline down and waits for the process to end by itself. */
  async shutdown(): Promise<{ answer: string; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    const answer = await this.send('shutdown');
    this.proc.stdin!.end();
    this.ended();
    return { answer, ...(await this.exit) };
  }

  private line(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private push(line: string): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(line);
    else this.lines.push(line);
  }
}
