import { Writable } from 'node:stream';

/** A writable that keeps what the command wrote; `isTTY` as a terminal would set it. */
export class Captured extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs a CLI command function in this process with captured output. */
export async function runCaptured(
  command: (args: string[], io: { stdout: Captured; stderr: Captured; env: NodeJS.ProcessEnv }) => Promise<number>,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  tty = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured(tty);
  const stderr = new Captured();
  const code = await command(args, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
