import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY } from '../../../exporters/delivery/settings.js';
import { Spool } from '../../../exporters/delivery/spool.js';

function open(dir: string, fsync: 'always' | 'batch' | 'never' = 'never'): Spool {
  return Spool.open(dir, { ...DEFAULT_DELIVERY.spool, fsync }, () => {
    throw new Error('no damage expected');
  });
}

describe('the spool writer', () => {
  it('has a committed batch in the file when append returns (a kill from then on cannot lose it), fsync or not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-writer-'));
    const spool = open(dir, 'always');
    const { ticket } = spool.append(Buffer.from('first batch'), 3);
    const file = readdirSync(dir).find((f) => f.endsWith('.spool'))!;
    // Same turn: the fsync runs in the background, the write is done.
    expect(readFileSync(join(dir, file)).length).toBe(spool.bytes);
    expect(open(dir).pendingBatches).toBe(1);
    expect(spool.take()).toBe(ticket);
    expect(spool.read(ticket).toString()).toBe('first batch');
    spool.close();
  });

  it('writes frames in order without holes and fsyncs them in the background, so the next start finds every one of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-writer-'));
    const spool = open(dir, 'always');
    for (let i = 0; i < 200; i++) spool.append(Buffer.from(`batch ${i} `.repeat(50)), 1);
    await spool.written();
    const file = readdirSync(dir).find((f) => f.endsWith('.spool'))!;
    expect(readFileSync(join(dir, file)).length).toBe(spool.bytes);

    const next = open(dir);
    expect(next.pendingBatches).toBe(200);
    const first = next.take()!;
    expect(next.read(first).toString()).toBe('batch 0 '.repeat(50));
    next.close();
    spool.close();
  });
});
