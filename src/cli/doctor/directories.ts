import { mkdir, open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { newId } from '../../core/ids.js';
import { type Check, fail, ok } from './report.js';

/**
 * A directory the pipeline writes to (spool, dead-letter, file output) is usable when it can be created
 * and a file in it written, synced and removed — what the spool does with every segment. The test file
 * is removed again; a directory created here is left (the pipeline would create it the same way).
 */
export async function probeDirectory(dir: string, variable: string): Promise<Check> {
  const path = resolve(dir);
  const probe = join(path, `.otel-logkit-doctor-${newId()}`);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    const handle = await open(probe, 'wx', 0o600);
    try {
      await handle.writeFile('otel-logkit doctor\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rm(probe, { force: true });
    return ok('writable', `${path}: a file was created, synced and removed`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const fix =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `make ${path} writable by this user (uid ${process.getuid?.() ?? '?'}), or set ${variable} to a writable directory`
        : code === 'ENOSPC'
          ? `free space on the file system of ${path}, or set ${variable} to another one`
          : `set ${variable} to a directory this process can create and write`;
    return fail('writable', `${path}: ${code || (error as Error).message}`, fix);
  }
}
