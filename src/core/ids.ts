import { randomFillSync } from 'node:crypto';

/**
 * The one id generator: 128-bit random ids as 32 lowercase hex characters (the shape of a trace id),
 * drawn from a pooled buffer so the hot path does not call into the CSPRNG per record.
 */
const POOL_SIZE = 16 * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

export function newId(): string {
  if (offset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}

/** True for a 32-hex id that is not all zeros (an invalid trace id). */
export function isValidHexId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value) && value !== '00000000000000000000000000000000';
}
