/**
 * Several keyed Kafka messages in one `WireRequest` body. The delivery core moves one opaque body per
 * batch; a Kafka batch is several messages, one per key (see protocol.ts), so the protocol frames them
 * here and the producer transport reads them back. Layout, all lengths big-endian uint32:
 * `count`, then per message `keyLength` (0xFFFFFFFF: no key), key bytes, `valueLength`, value bytes.
 * What the core could expose instead, so no destination frames its own parts: a `WireRequest` with
 * an optional list of keyed parts (`parts?: { key?: string; body: Uint8Array }[]`) that a transport
 * may send as separate messages, and a `partial` verdict whose indices name parts.
 */
export interface KeyedMessage {
  /** UTF-8 key; undefined: no key (the producer spreads such messages over the partitions). */
  key?: string;
  value: Uint8Array;
}

const NO_KEY = 0xffffffff;

export function encodeMessageSet(messages: readonly KeyedMessage[]): Buffer {
  const keys = messages.map((m) => (m.key === undefined ? undefined : Buffer.from(m.key, 'utf8')));
  let size = 4;
  for (let i = 0; i < messages.length; i++) size += 8 + (keys[i]?.length ?? 0) + messages[i]!.value.byteLength;
  const out = Buffer.allocUnsafe(size);
  let pos = out.writeUInt32BE(messages.length, 0);
  for (let i = 0; i < messages.length; i++) {
    const key = keys[i];
    pos = out.writeUInt32BE(key === undefined ? NO_KEY : key.length, pos);
    if (key !== undefined) pos += key.copy(out, pos);
    const value = messages[i]!.value;
    pos = out.writeUInt32BE(value.byteLength, pos);
    out.set(value, pos);
    pos += value.byteLength;
  }
  return out;
}

/** The messages of a body written by {@link encodeMessageSet}, as `Buffer` views (no copy). Throws on a truncated body. */
export function decodeMessageSet(body: Uint8Array): { key?: Buffer; value: Buffer }[] {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const count = buffer.readUInt32BE(0);
  const out: { key?: Buffer; value: Buffer }[] = [];
  let pos = 4;
  for (let i = 0; i < count; i++) {
    const keyLength = buffer.readUInt32BE(pos);
    pos += 4;
    let key: Buffer | undefined;
    if (keyLength !== NO_KEY) {
      key = slice(buffer, pos, keyLength);
      pos += keyLength;
    }
    const valueLength = buffer.readUInt32BE(pos);
    pos += 4;
    out.push(key === undefined ? { value: slice(buffer, pos, valueLength) } : { key, value: slice(buffer, pos, valueLength) });
    pos += valueLength;
  }
  return out;
}

function slice(buffer: Buffer, start: number, length: number): Buffer {
  if (start + length > buffer.length) throw new RangeError(`message set truncated: ${start + length} > ${buffer.length} bytes`);
  return buffer.subarray(start, start + length);
}
