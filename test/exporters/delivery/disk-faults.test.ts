import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackReceiver, text } from '../receiver.js';
import { ChildSession, unaccounted } from './child-session.js';

let receiver: LoopbackReceiver | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await receiver?.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A receiver that refuses (503) until `up()` is called. */
async function downReceiver(): Promise<{ r: LoopbackReceiver; up: () => void }> {
  const r = await LoopbackReceiver.start();
  let up = false;
  r.answer = () => (up ? { status: 200 } : { status: 503 });
  receiver = r;
  return { r, up: () => (up = true) };
}

function env(url: string, spoolDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url,
    OTEL_LOGKIT_SPOOL_DIR: spoolDir,
    OTEL_BLRP_SCHEDULE_DELAY: '20',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100',
    OTEL_BLRP_EXPORT_TIMEOUT: '3000',
    OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
    OTEL_LOGKIT_RETRY_MAX_BACKOFF: '50',
    ...extra,
  };
}

/** Distinct records delivered whose body starts with `prefix` (bodies are `<prefix> <i> ...`). */
const delivered = (r: LoopbackReceiver, prefix: string) => new Set(r.records.map((x) => text(x.body)!.split(' ').slice(0, 2).join(' ')).filter((b) => b.startsWith(prefix)));

/**
 * A disk that fills up: a 2 MiB tmpfs when this runs as root and may mount one, else a file-size limit
 * (`ulimit -f`) in the child's shell, under which a write past 2 MiB fails with EFBIG.
 */
function smallDisk(): { dir: string; shell?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-full-'));
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
      cleanups.push(() => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }));
      return { dir };
    } catch {
      // Not allowed here (a container without CAP_SYS_ADMIN): fall back to the file-size limit.
    }
  }
  return { dir, shell: 'ulimit -f 4096' };
}

describe('a spool directory removed while the process runs', () => {
  it('does not crash; delivery goes on, the spool is made again, every record is delivered or counted, and shutdown ends the process', async () => {
    const { r, up } = await downReceiver();
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-removed-'));
    const child = new ChildSession(env(r.url, spoolDir));
    expect(await child.send('emit 500 100 before')).toBe('ok');
    expect(await child.send('flush')).toMatch(/^flushed \d+$/);
    rmSync(spoolDir, { recursive: true, force: true });

    // Long enough for the spool to notice, fall back to memory, and try again.
    for (let i = 0; i < 10; i++) {
      expect(await child.send(`emit 50 100 after${i}`)).toBe('ok');
      expect(await child.send('sleep 200')).toBe('ok');
    }
    const during = await child.stats();
    expect(during.spool_errors).toBeGreaterThan(0);
    expect(unaccounted(during)).toBe(0);
    expect(existsSync(join(spoolDir, 'otlp'))).toBe(true);
    expect(readdirSync(join(spoolDir, 'otlp')).some((f) => f.endsWith('.spool'))).toBe(true);

    // The backend comes back: retries (at most 50 ms apart) get through, and a flush waits for all of it.
    up();
    expect(await child.send('sleep 300')).toBe('ok');
    expect(await child.send('flush')).toMatch(/^flushed \d+$/);
    const drained = await child.stats();
    expect(drained).toMatchObject({ received: 1000, exported: 1000, failed: 0, dropped: {}, queued: 0, spool_records: 0 });
    const end = await child.shutdown();
    expect(end.answer).toMatch(/^shut \d+$/);
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.stderr).not.toMatch(/unhandled|Uncaught/i);

    // The batches of the removed directory were still readable through the open segment: nothing lost.
    expect(delivered(r, 'before').size).toBe(500);
    expect(delivered(r, 'after').size).toBe(500);
  }, 30_000);
});

describe('a disk that fills up', () => {
  it('does not crash: records wait in memory (shed by severity, counted), flush and shutdown stay bounded, and the spool resumes once space is freed', async () => {
    const { r, up } = await downReceiver();
    const disk = smallDisk();
    const spoolDir = join(disk.dir, 'spool');
    mkdirSync(spoolDir);
    const child = new ChildSession(env(r.url, spoolDir, { OTEL_BLRP_MAX_QUEUE_SIZE: '1000' }), { shell: disk.shell });

    // ~5 MB of records against 2 MiB of disk, the backend down: the disk fills.
    expect(await child.send('emit 5000 1000 full')).toBe('ok');
    expect(await child.send('flush')).toMatch(/^flushed \d+$/);
    const full = await child.stats();
    expect(full.spool_errors).toBeGreaterThan(0);
    expect(unaccounted(full)).toBe(0);
    // Memory stayed bounded: what neither disk nor memory could hold is counted, least severe first.
    expect((full.dropped as Record<string, number>).spool_error).toBeGreaterThan(0);
    // (plus the batches on the wire: 4 requests of 100)
    expect(full.queued).toBeLessThanOrEqual(1000 + 4 * 100);

    // The backend comes back: everything kept is delivered, acknowledged segments free the disk.
    up();
    expect(await child.send('flush')).toMatch(/^flushed \d+$/);
    expect(await child.send('sleep 700')).toBe('ok');
    const spooledBefore = Number((await child.stats()).spooled);
    expect(await child.send('emit 200 100 later')).toBe('ok');
    expect(await child.send('flush')).toMatch(/^flushed \d+$/);
    const later = await child.stats();
    expect(Number(later.spooled)).toBeGreaterThan(spooledBefore);
    expect(delivered(r, 'later').size).toBe(200);

    const end = await child.shutdown();
    expect(end.answer).toMatch(/^shut \d+$/);
    expect(end).toMatchObject({ code: 0, signal: null });
    const deliveredFull = delivered(r, 'full').size;
    expect(deliveredFull + Number(full.failed) + Object.values(full.dropped as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5000);
  }, 30_000);
});
