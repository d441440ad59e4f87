import { randomFillSync } from 'node:crypto';
import { processWide } from './process-state.js';

/**
 * The one id generator: 128-bit random ids as 32 lowercase hex characters (the shape of a trace id),
 * drawn from a pooled buffer so the hot path does not call into the CSPRNG per record. One pool per
 * process, whichever copy of the package asks (see processWide).
 */
const POOL_SIZE = 16 * 256;
const ids = processWide('ids', 1, () => ({ pool: Buffer.allocUnsafe(POOL_SIZE), offset: POOL_SIZE }));

export function newId(): string {
  const state = ids;
  if (state.offset + 16 > POOL_SIZE) {
    randomFillSync(state.pool);
    state.offset = 0;
  }
  const id = state.pool.toString('hex', state.offset, state.offset + 16);
  state.offset += 16;
  return id;
}

