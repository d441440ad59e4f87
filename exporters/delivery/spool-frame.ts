import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';

/**
 * One frame of a spool segment: a fixed header, then the payload (an OTLP protobuf batch, or its
 * AES-256-GCM ciphertext).
 *
 *   offset 0  u16 magic 0x4c4b ("LK")   2  u8 version (1)   3  u8 flags (bit 0: encrypted)
 *          4  u32 payload length        8  u32 record count  12  u32 CRC-32 of bytes 0..11 + payload
 *
 * The checksum covers the header too, so a torn write (length written, payload not) or a flipped
 * bit anywhere is detected before anything is decoded.
 */
export const FRAME_HEADER_BYTES = 16;
const MAGIC = 0x4c4b;
const VERSION = 1;
const ENCRYPTED = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A frame as two parts, header and body, to be written with one `writev`: the payload is not copied
 * into a frame buffer (it may be a view of the encoder's shared buffer).
 */
export function encodeFrame(payload: Uint8Array, records: number, key: Buffer | undefined): [Buffer, Uint8Array] {
  const body = key ? encrypt(payload, key) : payload;
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt16BE(MAGIC, 0);
  header.writeUInt8(VERSION, 2);
  header.writeUInt8(key ? ENCRYPTED : 0, 3);
  header.writeUInt32BE(body.byteLength, 4);
  header.writeUInt32BE(records, 8);
  header.writeUInt32BE(zlib.crc32(body, zlib.crc32(header.subarray(0, 12))), 12);
  return [header, body];
}

export interface FrameHeader {
  length: number;
  records: number;
  encrypted: boolean;
}

/** The header at the start of `bytes`, or undefined when it is not one (garbage, or a torn tail). */
export function readFrameHeader(bytes: Uint8Array): FrameHeader | undefined {
  if (bytes.byteLength < FRAME_HEADER_BYTES) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.readUInt16BE(0) !== MAGIC || view.readUInt8(2) !== VERSION) return undefined;
  return { length: view.readUInt32BE(4), records: view.readUInt32BE(8), encrypted: (view.readUInt8(3) & ENCRYPTED) !== 0 };
}

/** True when the whole frame (header + payload) matches its checksum. */
export function frameIntact(frame: Buffer): boolean {
  return zlib.crc32(frame.subarray(FRAME_HEADER_BYTES), zlib.crc32(frame.subarray(0, 12))) === frame.readUInt32BE(12);
}

/** The plaintext payload of an intact frame; throws when the key is missing or wrong (GCM authenticates). */
export function framePayload(frame: Buffer, header: FrameHeader, key: Buffer | undefined): Buffer {
  const body = frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + header.length);
  if (!header.encrypted) return body;
  if (!key) throw new Error('the frame is encrypted and OTEL_LOGKIT_SPOOL_KEY is not set');
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
}

function encrypt(payload: Uint8Array, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}
