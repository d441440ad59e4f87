import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { AUDIT_CHAIN_ATTRIBUTES, AUDIT_DIGEST_PREFIX } from '../../src/core/audit-record.js';
import { type AuditFields, canonicalJson, contentV2 } from './canonical.js';

/**
 * What a digest says: the range of the stream it covers, the hash of the last record in it (which,
 * through the chain, covers every record before), and the signature of the digest before. Version 2
 * signs the whole digest record ({@link signedBytes}); version 1 signed only these fields.
 */
export interface DigestBody {
  stream: string;
  /** The digest's own number in the chain, from 1. */
  seq: number;
  first_seq: number;
  last_seq: number;
  last_hash: string;
  /** The previous digest's signature (base64); `""` for the first digest of the chain. */
  prev_signature: string;
  key_id: string;
  /** When it was signed, nanoseconds since the epoch as a decimal string. */
  signed_at: string;
}

/** The signature attribute of a digest record: everything else in the record is signed. */
export const SIGNATURE_ATTRIBUTE = `${AUDIT_DIGEST_PREFIX}signature`;

/** The key id: hex of the first 16 bytes of SHA-256 over the public key's DER (SubjectPublicKeyInfo). */
export function publicKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

/** Version 2: the canonical JSON of the whole digest record but its signature (and any `audit.hash`). */
export function signedBytes(fields: AuditFields): Buffer {
  return Buffer.from(canonicalJson(contentV2(fields, [AUDIT_CHAIN_ATTRIBUTES.hash, SIGNATURE_ATTRIBUTE])), 'utf8');
}

/** Ed25519 over the signed bytes; base64. */
export function signBytes(bytes: Buffer, privateKey: KeyObject): string {
  return sign(null, bytes, privateKey).toString('base64');
}

export function signatureValid(bytes: Buffer, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, bytes, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Version 1: Ed25519 over the canonical JSON of the {@link DigestBody} alone. */
export function digestSignatureValid(body: DigestBody, signature: string, publicKey: KeyObject): boolean {
  return signatureValid(Buffer.from(canonicalJson(body), 'utf8'), signature, publicKey);
}
