import type { Readable, Writable } from 'node:stream';

/** `otel-logkit redact [file]`. (Placeholder until the redaction issue lands.) Returns the exit code. */
export async function runRedactCommand(_args: string[], _io: { stdin: Readable; stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv }): Promise<number> {
  _io.stderr.write('otel-logkit redact: not available yet\n');
  return 2;
}
