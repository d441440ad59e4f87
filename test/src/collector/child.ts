import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const RUN_COLLECTOR = fileURLToPath(new URL('./fixtures/run-collector.ts', import.meta.url));

/** `otel-logkit collector` in a child process, with the banner it printed. */
export interface CollectorProcess {
  child: ChildProcess;
  banner: { endpoint: string; metrics?: string; destinations: string[]; auth: boolean; tls: boolean };
  /** Everything printed on stdout so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the collector CLI with `env` (over a quiet default environment) and waits for its startup banner. */
export async function spawnCollector(env: Record<string, string>): Promise<CollectorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_COLLECTOR], {
    env: { PATH: process.env.PATH, OTEL_LOGKIT_COLLECTOR_ENDPOINT: '127.0.0.1:0', OTEL_LOGKIT_COLLECTOR_METRICS_ENDPOINT: 'none', OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  while (!out.includes('\n')) {
    const ended = await Promise.race([once(child.stdout!, 'data').then(() => false), exited.then(() => true)]);
    if (ended) throw new Error(`the collector exited before starting: ${out}`);
  }
  return { child, banner: JSON.parse(out.split('\n')[0]!), output: () => out, exited };
}
