import { readFileSync, statSync } from 'node:fs';
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
  // The setting that gave the path, so the message sends the user to the right place.
  const setting = options.signingKeyFile !== undefined ? `option overriding ${KEY_FILE}` : KEY_FILE;
  if (keyPath === undefined) throw new ConfigError(setting, '', 'the path of an Ed25519 private key (PEM) when OTEL_LOGKIT_AUDIT is on');
  const pem = readPrivateKeyFile(setting, keyPath);
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

/**
 * The key file, refused as `ssh` refuses an identity file when group or others can read it: whoever
 * can read the key can forge the trail.
 */
function readPrivateKeyFile(setting: string, path: string): Buffer {
  try {
    const mode = statSync(path).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      throw new ConfigError(setting, path, `a private key only its owner can read: it is readable by group or others (mode ${octal}), so anyone who can read it can forge the audit trail; run chmod 600 ${path}`);
    }
    return readFileSync(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(setting, path, `a readable Ed25519 private key file (${code})`, { cause: error });
  }
}
