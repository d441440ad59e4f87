import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveStore } from './store.js';

/**
 * A local directory store: `<dir>/sha256/<first two hex digits>/<address>`, files and directories
 * readable by the owner only (0600 / 0700). A payload is written to a temporary file, fsynced and
 * renamed into place, so a reader never sees half an object and a crash leaves no corrupt one.
 * All of it is asynchronous file I/O, on libuv's thread pool rather than the application's thread.
 */
export class LocalDirectoryStore implements ArchiveStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `directory ${dir}`;
  }

  async put(address: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(address);
    if (await exists(path)) return;
    const dir = join(this.dir, 'sha256', address.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  }

  async get(address: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(address));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private pathOf(address: string): string {
    return join(this.dir, 'sha256', address.slice(0, 2), address);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
