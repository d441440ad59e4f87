import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { archiveFromEnvironment } from '../archive/index.js';
import { SettingsReader } from '../core/env.js';
import { LogkitError } from '../core/errors.js';

const USAGE = `usage: otel-logkit archive get <sha256:ref> [--out <file>]

Fetches an archived payload from the store the OTEL_LOGKIT_ARCHIVE_* variables name, decrypts it
(OTEL_LOGKIT_ARCHIVE_KEY) and checks it against its content address; writes it to stdout or --out.
exit codes: 0 fetched and intact; 1 not found or unreadable; 2 usage or configuration error; 4 altered.
`;

/**
 * `otel-logkit archive get <ref>`: the payload behind a record's `archive.ref`, checked.
 *
 * @example
 * // OTEL_LOGKIT_ARCHIVE_DIR=/var/lib/app/archive otel-logkit archive get sha256:9f86d0… > request.json
 */
export async function runArchiveCommand(args: string[], io: { stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv }): Promise<number> {
  let parsed: ReturnType<typeof parseArchiveArgs>;
  try {
    parsed = parseArchiveArgs(args);
  } catch (error) {
    io.stderr.write(`otel-logkit archive: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals[0] !== 'get' || parsed.positionals.length !== 2) {
    (parsed.values.help ? io.stdout : io.stderr).write(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const ref = parsed.positionals[1]!;
  try {
    const archive = archiveFromEnvironment(new SettingsReader(io.env));
    if (archive === undefined) {
      io.stderr.write('otel-logkit archive: no store configured: set OTEL_LOGKIT_ARCHIVE_DIR or OTEL_LOGKIT_ARCHIVE_S3_BUCKET\n');
      return 2;
    }
    const bytes = await archive.get(ref);
    if (parsed.values.out !== undefined) await writeFile(parsed.values.out, bytes, { mode: 0o600 });
    else await new Promise<void>((resolve, reject) => io.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
    io.stderr.write(`otel-logkit archive: ${ref}: ${bytes.length} bytes, intact\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`otel-logkit archive: ${(error as Error).message}\n`);
    if (error instanceof LogkitError) return error.code === 'LOGKIT_ARCHIVE_CORRUPT' ? 4 : error.code === 'LOGKIT_CONFIG_INVALID' ? 2 : 1;
    return 1;
  }
}

function parseArchiveArgs(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
}
