/**
 * Where archived payloads live: content-addressed, so the same payload is stored once and a
 * reference names exactly one content. `address` is the lowercase hex SHA-256 of the (redacted,
 * unencrypted) payload; `bytes` is what is kept at rest (encrypted when a key is set).
 */
export interface ArchiveStore {
  /** Stores `bytes` under `address`; resolves once it is durable. Storing an address again is a no-op. */
  put(address: string, bytes: Uint8Array): Promise<void>;
  /** The bytes stored under `address`, or undefined when there are none. */
  get(address: string): Promise<Buffer | undefined>;
  /** For messages: `directory /var/archive`, `s3 bucket audit at http://…`. */
  readonly description: string;
}
