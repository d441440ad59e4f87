import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * The signed part of a digest record: the range of the stream it covers, the hash of the last record
 * in it (which, through the chain, covers every record before), and the signature of the digest before.
 */
export interface DigestBody {
  stream: string;
  /** The digest's own number in the stream, from 1. */
  seq: number;
  first_seq: number;
  last_seq: number;
  last_hash: string;
  /** The previous digest's signature (base64); `""` for the first digest of the stream. */
  prev_signature: string;
  key_id: string;
  /** When it was signed, nanoseconds since the epoch as a decimal string. */
  signed_at: string;
}

/** The key id: hex of the first 16 bytes of SHA-256 over the public key's DER (SubjectPublicKeyInfo). */
export function publicKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

/** Ed25519 over the UTF-8 bytes of the canonical JSON of the body; base64. */
export function signDigest(body: DigestBody, privateKey: KeyObject): string {
  return sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64');
}

export function digestSignatureValid(body: DigestBody, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
