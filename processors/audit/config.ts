import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { publicKeyId } from './signature.js';

/** Options given in code; each overrides the variable it names. */
export interface AuditOptions {
  /** `OTEL_LOGKIT_AUDIT` (default: on when a signing key file is set): chain and sign audit records. */
  enabled?: boolean;
  /** `OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE`: an Ed25519 private key, PEM (PKCS#8), e.g. `openssl genpkey -algorithm ed25519`. */
  signingKeyFile?: string;
  /** `OTEL_LOGKIT_AUDIT_STREAM` (default: the service name): names the chain; one per writer. */
  stream?: string;
  /** `OTEL_LOGKIT_AUDIT_DIGEST_RECORDS` (default 100): a digest after this many audit records. */
  digestRecords?: number;
  /** `OTEL_LOGKIT_AUDIT_DIGEST_INTERVAL` (ms, default 60000): a digest at least this often while records come. */
  digestIntervalMs?: number;
}

/** The validated audit settings. */
export interface AuditConfig {
  enabled: boolean;
  stream: string;
  digestRecords: number;
  digestIntervalMs: number;
  signingKey?: KeyObject;
  /** Hex id of the public key, written in every digest so a verifier knows which key to use. */
  keyId?: string;
  /** Where the chain state is kept: set by the assembly beside the spool. */
  stateDir?: string;
}

const KEY_FILE = 'OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE';

/** `serviceName` is the default stream id. The assembly checks that a spool is configured. */
export function parseAuditConfig(read: SettingsReader, serviceName: string | undefined, options: AuditOptions = {}): AuditConfig {
  const keyPath = read.string(KEY_FILE, undefined, options.signingKeyFile);
  const enabled = read.bool('OTEL_LOGKIT_AUDIT', keyPath !== undefined, options.enabled);
  const config: AuditConfig = {
    enabled,
    stream: read.string('OTEL_LOGKIT_AUDIT_STREAM', serviceName ?? 'unknown_service', options.stream),
    digestRecords: read.int('OTEL_LOGKIT_AUDIT_DIGEST_RECORDS', 100, { min: 1, max: 1_000_000 }, options.digestRecords),
    digestIntervalMs: read.int('OTEL_LOGKIT_AUDIT_DIGEST_INTERVAL', 60_000, { min: 10, max: 86_400_000 }, options.digestIntervalMs),
  };
  if (!enabled) return config;
  const setting = options.signingKeyFile !== undefined ? `option overriding ${KEY_FILE}` : KEY_FILE;
  if (keyPath === undefined) throw new ConfigError(setting, '', 'the path of an Ed25519 private key (PEM) when OTEL_LOGKIT_AUDIT is on');
  const pem = read.file(KEY_FILE, keyPath)!;
  try {
    config.signingKey = createPrivateKey(pem);
  } catch (cause) {
    throw new ConfigError(setting, keyPath, 'a PEM file holding an Ed25519 private key (openssl genpkey -algorithm ed25519)', { cause });
  }
  if (config.signingKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(setting, keyPath, `an Ed25519 private key (this one is ${config.signingKey.asymmetricKeyType ?? 'not asymmetric'})`);
  }
  config.keyId = publicKeyId(createPublicKey(config.signingKey));
  return config;
}
