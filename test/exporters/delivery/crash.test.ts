import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackReceiver, text } from '../receiver.js';

const child = fileURLToPath(new URL('./spool-child.ts', import.meta.url));

function run(args: string[], onLine: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) onLine(line, () => proc.kill('SIGKILL'));
  });
  return new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
}

let receiver: LoopbackReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

describe('a process killed with SIGKILL mid-stream', () => {
  it('loses nothing it had committed: the next process on the same spool delivers every record at least once, uids intact', async () => {
    receiver = await LoopbackReceiver.start();
    // The backend takes the first requests, then goes down while the first process runs: the rest of the stream waits in the spool.
    let phase: 'failing' | 'up' = 'failing';
    receiver.answer = (n) => (phase === 'failing' && n >= 5 ? { status: 503 } : { status: 200 });
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-crash-'));

    let committed = 0;
    const first = await run(['emit', receiver.url, spoolDir], (line, kill) => {
      committed = Number(line.split(' ')[1]);
      if (committed >= 2000) kill();
    });
    expect(first.signal).toBe('SIGKILL');

    phase = 'up';
    let drained = '';
    const second = await run(['drain', receiver.url, spoolDir], (line) => {
      drained = line;
    });
    expect(second.code).toBe(0);

    const delivered = new Set(receiver.records.map((r) => text(r.body)));
    const missing = Array.from({ length: committed }, (_, i) => `kill ${i}`).filter((body) => !delivered.has(body));
    expect(missing).toEqual([]);
    expect(JSON.parse(drained)).toMatchObject({ failed: 0, replayed: expect.any(Number) });
    expect(JSON.parse(drained).replayed).toBeGreaterThan(0);

    // Records sent twice (in flight at the kill, then replayed) carry the same log.record.uid both times.
    const uids = new Map<string, Set<string>>();
    for (const r of receiver.records) {
      const uid = r.attributes?.find((a) => a.key === 'log.record.uid')?.value?.stringValue as string;
      expect(uid).toBeTruthy();
      const seen = uids.get(text(r.body)!) ?? new Set();
      seen.add(uid);
      uids.set(text(r.body)!, seen);
    }
    expect([...uids.values()].every((s) => s.size === 1)).toBe(true);
  }, 60_000);
});

describe('a process that ends while its backend is down', () => {
  it('exits on its own (retries do not hold it), and its spooled records go out with the next start', async () => {
    receiver = await LoopbackReceiver.start();
    let up = false;
    receiver.answer = () => (up ? { status: 200 } : { status: 503 });
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-leave-'));
    const first = await run(['leave', receiver.url, spoolDir], () => {});
    expect(first.code).toBe(0);
    up = true;
    expect((await run(['drain', receiver.url, spoolDir], () => {})).code).toBe(0);
    const delivered = new Set(receiver.records.map((r) => text(r.body)));
    expect(Array.from({ length: 100 }, (_, i) => `left ${i}`).filter((body) => !delivered.has(body))).toEqual([]);
  }, 60_000);
});
