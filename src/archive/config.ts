import { parseKey } from '../../exporters/delivery/config.js';
import type { SettingsReader } from '../core/env.js';
import { ConfigError } from '../core/errors.js';
import { type OptionalPeer, requirePeer } from '../core/optional-peer.js';

/** `aws4fetch`: the S3 archive store's signer. An optional peer, installed by the applications that archive to S3. */
export const AWS4FETCH_PEER: OptionalPeer = { name: 'aws4fetch', purpose: 'the S3 archive store (OTEL_LOGKIT_ARCHIVE_S3_BUCKET)' };

/** Options given in code; each overrides the variable it names. */
export interface ArchiveSettingsOptions {
  /** `OTEL_LOGKIT_ARCHIVE_DIR`: a local directory store. */
  dir?: string;
  /** `OTEL_LOGKIT_ARCHIVE_S3_BUCKET`: an S3 bucket store (credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). */
  s3Bucket?: string;
  /** `OTEL_LOGKIT_ARCHIVE_S3_ENDPOINT` (default `https://s3.<region>.amazonaws.com`): any S3-compatible server. */
  s3Endpoint?: string;
  /** `OTEL_LOGKIT_ARCHIVE_S3_REGION` (default `AWS_REGION`, else `us-east-1`). */
  s3Region?: string;
  /** `OTEL_LOGKIT_ARCHIVE_S3_PREFIX` (default `otel-logkit/`): the key prefix of every object. */
  s3Prefix?: string;
  /** `OTEL_LOGKIT_ARCHIVE_KEY`: AES-256-GCM at rest, 64 hex digits or base64 of 32 bytes (the spool key's form). */
  key?: string;
  /** `OTEL_LOGKIT_ARCHIVE_THRESHOLD` (bytes, default 0 = off): bodies and attributes above it are archived automatically. */
  thresholdBytes?: number;
}

export interface S3StoreConfig {
  bucket: string;
  endpoint: URL;
  region: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The validated archive settings; `undefined` store fields mean no store of that kind. */
export interface ArchiveConfig {
  dir?: string;
  s3?: S3StoreConfig;
  key?: Buffer;
  thresholdBytes: number;
}

/** True when some store is configured. */
export function archiveConfigured(config: ArchiveConfig): boolean {
  return config.dir !== undefined || config.s3 !== undefined;
}

export function parseArchiveConfig(read: SettingsReader, options: ArchiveSettingsOptions = {}): ArchiveConfig {
  const dir = read.string('OTEL_LOGKIT_ARCHIVE_DIR', undefined, options.dir);
  const bucket = read.string('OTEL_LOGKIT_ARCHIVE_S3_BUCKET', undefined, options.s3Bucket);
  if (dir !== undefined && bucket !== undefined) {
    throw new ConfigError('OTEL_LOGKIT_ARCHIVE_S3_BUCKET', bucket, 'unset when OTEL_LOGKIT_ARCHIVE_DIR is set: one archive store at a time');
  }
  const config: ArchiveConfig = {
    dir,
    key: parseKey(read, options.key, 'OTEL_LOGKIT_ARCHIVE_KEY'),
    thresholdBytes: read.bytes('OTEL_LOGKIT_ARCHIVE_THRESHOLD', 0, options.thresholdBytes),
  };
  if (config.thresholdBytes > 0 && dir === undefined && bucket === undefined) {
    throw new ConfigError('OTEL_LOGKIT_ARCHIVE_THRESHOLD', config.thresholdBytes, 'unset unless OTEL_LOGKIT_ARCHIVE_DIR or OTEL_LOGKIT_ARCHIVE_S3_BUCKET names a store');
  }
  if (bucket !== undefined) config.s3 = parseS3(read, bucket, options);
  return config;
}

function parseS3(read: SettingsReader, bucket: string, options: ArchiveSettingsOptions): S3StoreConfig {
  // At start-up, not at the first archived payload: the signer is an optional peer.
  requirePeer(AWS4FETCH_PEER, 'OTEL_LOGKIT_ARCHIVE_S3_BUCKET', bucket);
  const region = read.string('OTEL_LOGKIT_ARCHIVE_S3_REGION', read.string('AWS_REGION', 'us-east-1'), options.s3Region);
  const endpoint = read.url('OTEL_LOGKIT_ARCHIVE_S3_ENDPOINT', options.s3Endpoint) ?? new URL(`https://s3.${region}.amazonaws.com`);
  const accessKeyId = read.string('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read.string('AWS_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined) throw new ConfigError('AWS_ACCESS_KEY_ID', '', 'an access key id when OTEL_LOGKIT_ARCHIVE_S3_BUCKET is set');
  if (secretAccessKey === undefined) throw new ConfigError('AWS_SECRET_ACCESS_KEY', '', 'a secret access key when OTEL_LOGKIT_ARCHIVE_S3_BUCKET is set');
  return { bucket, endpoint, region, prefix: read.string('OTEL_LOGKIT_ARCHIVE_S3_PREFIX', 'otel-logkit/', options.s3Prefix), accessKeyId, secretAccessKey, sessionToken: read.string('AWS_SESSION_TOKEN') };
}
