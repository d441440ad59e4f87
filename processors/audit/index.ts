import { type Context, diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AUDIT_CHAIN_ATTRIBUTES, isAuditRecord } from '../../src/core/audit-record.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { resourceAttributes } from '../../src/core/record-fields.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { ReasonCounter } from '../../src/core/stats.js';
import { canonicalJson, contentV2, ENVELOPE_ATTRIBUTE, envelopeOf, fieldsOf, resourceHash, sha256, typedMapOf } from './canonical.js';
import { type ChainPosition, ChainStateFile } from './chain-state.js';
import type { AuditConfig } from './config.js';
import { type DigestReason, digestRecord } from './digest.js';
import { SIGNATURE_ATTRIBUTE, signBytes, signedBytes } from './signature.js';

export { parseAuditConfig, type AuditConfig, type AuditOptions } from './config.js';
export * from './canonical.js';
export { digestSignatureValid, publicKeyId, signatureValid, signedBytes, SIGNATURE_ATTRIBUTE, type DigestBody } from './signature.js';
export { DIGEST_FIELDS, type Digest, type DigestReason } from './digest.js';

/**
 * The audit stage: after redaction, before export. Each audit record (`log.type = "audit"`) gets the
 * chain — `audit.stream`, `audit.seq` (continuing across restarts), `audit.prev_hash`,
 * `audit.envelope` (the fields not every store keeps) and `audit.hash`, SHA-256 over the canonical
 * content (see canonical.ts). A signed digest record covers the range since the last one and links to
 * its signature: when a chain starts, after `digestRecords` records, every `digestIntervalMs` even when
 * idle (so a trail cut short shows), at a flush and at shutdown; the whole digest record is signed.
 * Other records pass untouched. The cost on the emit path, per audit record: one canonical JSON +
 * SHA-256 and one positioned write of the state file; digests sign once per range.
 *
 * Stats section `audit`: `records` (chained), `digests`, `seq` (the last number given, a gauge),
 * `errors` by reason (`state_write`, `sign`, `internal_error`).
 */
export function createAuditStage(config: AuditConfig, ctx: StageContext, next: LogStage): LogStage {
  if (!config.enabled || !config.signingKey || !config.keyId || !config.stateDir) return next;
  return new AuditChainStage(config as Required<AuditConfig>, ctx, next);
}

/** The chain state beside the spool; a directory that cannot be used is a configuration error. */
function openChainState(config: Required<AuditConfig>): ReturnType<typeof ChainStateFile.open> {
  try {
    return ChainStateFile.open(config.stateDir, config.stream);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError('OTEL_LOGKIT_SPOOL_DIR', config.stateDir, `a directory this process can write, to keep the audit chain state in (${code})`, { cause: error });
  }
}

class AuditChainStage implements LogStage {
  private readonly state: ChainStateFile;
  private readonly position: ChainPosition;
  private readonly timer: NodeJS.Timeout;
  private records = 0;
  private digests = 0;
  private readonly errors = new ReasonCounter();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: Required<AuditConfig>,
    private readonly ctx: StageContext,
    private readonly next: LogStage,
  ) {
    const opened = openChainState(config);
    this.state = opened.file;
    this.position = opened.position;
    this.resourceHash = resourceHash(typedMapOf(resourceAttributes(ctx.resource) as Record<string, unknown>));
    this.timer = setInterval(() => this.digest('interval'), config.digestIntervalMs).unref();
    ctx.stats.register('audit', () => ({ records: this.records, digests: this.digests, seq: this.position.seq, errors: this.errors.toJSON() }), { gauges: ['seq'] });
    if (opened.fresh) this.digest('start');
  }

  /** The resource hash of this pipeline's resource, computed once; another resource is hashed as it comes. */
  private readonly resourceHash: string;

  private resourceHashOf(resource: Resource): string | undefined {
    return resource === this.ctx.resource ? this.resourceHash : undefined;
  }

  write(record: LogkitRecord, context?: Context): WriteVerdict {
    if (this.closing || !isAuditRecord(record)) return this.next.write(record, context);
    try {
      const position = this.position;
      const attributes = record.attributes;
      const seq = position.seq + 1;
      attributes[AUDIT_CHAIN_ATTRIBUTES.stream] = this.config.stream;
      attributes[AUDIT_CHAIN_ATTRIBUTES.seq] = seq;
      attributes[AUDIT_CHAIN_ATTRIBUTES.prevHash] = position.lastHash;
      delete attributes[AUDIT_CHAIN_ATTRIBUTES.hash];
      const hash = sha256(canonicalJson(this.seal(record)));
      attributes[AUDIT_CHAIN_ATTRIBUTES.hash] = hash;
      position.seq = seq;
      position.lastHash = hash;
      this.persist();
      this.records++;
    } catch (error) {
      this.count('internal_error');
      diag.error('otel-logkit: an audit record could not be chained; it is sent unchained and the verifier will report it', error);
    }
    const verdict = this.next.write(record, context);
    if (this.position.seq - this.position.coveredThrough >= this.config.digestRecords) this.digest('records');
    return verdict;
  }

  /** A flush (the automatic one at exit, `withLogFlush`) signs what it carries, so a script that never shuts down still leaves a signed tail. */
  forceFlush(): Promise<void> {
    if (!this.closing && this.position.seq > this.position.coveredThrough) this.digest('flush');
    return this.next.forceFlush();
  }

  /** The process dies of an uncaught exception: the tail is signed synchronously, for the spool's write at exit. */
  sealNow(): void {
    if (!this.closing) this.digest('crash');
  }

  /** The last range gets its digest before the stream closes, so a clean stop leaves nothing unverified. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      this.digest('shutdown'); // always: the last signature says when the stream stopped
      try {
        this.state.close();
      } catch (error) {
        this.count('state_write');
        diag.error('otel-logkit: the audit chain state could not be synced', error);
      }
      await this.next.shutdown();
    })();
    return this.closing;
  }

  /**
   * Sets the envelope on an audit record or a digest, and returns its version 2 content (the hashed
   * object; for a digest, the signed one is built from the same fields).
   */
  private seal(record: LogkitRecord): Record<string, unknown> {
    const fields = fieldsOf(record, this.resourceHashOf(record.resource));
    const envelope = canonicalJson(envelopeOf(fields, this.position.chain));
    record.attributes[ENVELOPE_ATTRIBUTE] = envelope;
    fields.attributes[ENVELOPE_ATTRIBUTE] = { s: envelope };
    return contentV2(fields);
  }

  /** Signs a digest over the range since the last one (possibly empty: the clock's digest proves the stream alive). */
  private digest(reason: DigestReason): void {
    const position = this.position;
    try {
      const record = digestRecord(this.ctx.resource, {
        stream: this.config.stream,
        seq: position.digestSeq + 1,
        first_seq: position.coveredThrough + 1,
        last_seq: position.seq,
        last_hash: position.lastHash,
        prev_signature: position.digestSignature,
        key_id: this.config.keyId,
        interval_ms: this.config.digestIntervalMs,
        reason,
      });
      this.seal(record);
      const signature = signBytes(signedBytes(fieldsOf(record, this.resourceHash)), this.config.signingKey);
      record.attributes[SIGNATURE_ATTRIBUTE] = signature;
      position.digestSeq++;
      position.digestSignature = signature;
      position.coveredThrough = position.seq;
      this.persist();
      this.state.syncSoon((error) => {
        this.count('state_write');
        diag.error(`otel-logkit: the audit chain state ${this.state.path} could not be flushed to disk`, error);
      });
      this.digests++;
      this.next.write(record);
    } catch (error) {
      this.count('sign');
      diag.error('otel-logkit: the audit digest could not be signed or written', error);
    }
  }

  private persist(): void {
    try {
      this.state.write(this.position);
    } catch (error) {
      this.count('state_write');
      diag.error(`otel-logkit: the audit chain state ${this.state.path} could not be written; a restart may reuse sequence numbers`, error);
    }
  }

  private count(reason: string): void {
    this.errors.add(reason);
  }
}
