import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));

/** Runs `otel-logkit <args>` (src/cli.ts under tsx) as a child process with only the given environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The record and gap lines of the text view, without offsets and padding: `#2 DEBUG cart loaded [deferred]`. */
export function timelineLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^ {4}\+|⋯/.test(line))
    .map((line) => line.replace(/^ +\+[\d.]+ m?s +/, '').replace(/ +/g, ' ').trim());
}

/** What both services of test/src/cli/request-across-services.ts wrote, as the view must show it. */
export const EXPECTED_TIMELINE = [
  '#1 INFO order received',
  '#2 DEBUG cart loaded [deferred]',
  '#3 ERROR payment failed <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> \\u001b[31mred\\u001b[0m',
  '#1 INFO charge started',
  '⋯ #2 missing: not in the store (lost, sampled out or not yet ingested)',
  '#3 WARN card declined',
];
