import { readFileSync } from 'node:fs';

/** How often the launcher is looked at: a supervisor's stop takes at most this long more. */
const WATCH_MS = 250;
/** How far up the process tree the npm launcher is looked for (npm → sh -c → node, with room to spare). */
const MAX_DEPTH = 4;

/**
 * Calls `gone` once when the npm process that launched this one (`npx otel-logkit collector`,
 * `npm exec`, `npm run`) has ended. Some npm versions do not forward a supervisor's SIGTERM to the
 * command: npx exits 143 and the command — a grandchild, behind `sh -c` — kept running and holding
 * its ports. The launcher's end is taken as the stop it did not pass on. Only when npm launched us
 * (`npm_command` is set): a command started by a shell and left running (`nohup … &`) outlives it, as
 * it should. The watch never keeps the process alive. Returns the function that stops watching.
 *
 * @example
 * const unwatch = watchLauncher(() => stop('launcher ended'));
 */
export function watchLauncher(gone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  if (env.npm_command === undefined) return () => {};
  const launcher = npmAncestor() ?? process.ppid;
  const timer = setInterval(() => {
    if (alive(launcher)) return;
    clearInterval(timer);
    gone();
  }, WATCH_MS).unref();
  return () => clearInterval(timer);
}

/** The nearest ancestor whose command line is npm's (Linux, through /proc); undefined elsewhere. */
function npmAncestor(): number | undefined {
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const command = read(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ');
    if (command === undefined) return undefined;
    if (/\bnpm\b|npm-cli|npx-cli|\bnpx\b/.test(command)) return pid;
    const parent = Number(statusOf(pid)?.ppid);
    if (!Number.isInteger(parent)) return undefined;
    pid = parent;
  }
  return undefined;
}

/** Alive and not a zombie (a launcher that ended but was not yet reaped has ended all the same). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return statusOf(pid)?.state !== 'Z';
}

/** State and parent from /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are read after the last `)`. */
function statusOf(pid: number): { state: string; ppid: string } | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, ppid };
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
