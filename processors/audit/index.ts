import { type Context, diag } from '@opentelemetry/api';
import { AUDIT_CHAIN_ATTRIBUTES, isAuditRecord } from '../../src/core/audit-record.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { ReasonCounter } from '../../src/core/stats.js';
import { hashRecord } from './canonical.js';
import { type ChainPosition, ChainStateFile } from './chain-state.js';
import type { AuditConfig } from './config.js';
import { digestBody, digestRecord } from './digest.js';
import { signDigest } from './signature.js';

export { parseAuditConfig, type AuditConfig, type AuditOptions } from './config.js';
export { canonicalJson, contentOf, hashContent, hashRecord, bodyOf, severityTextOf, GENESIS_HASH, type AuditContent } from './canonical.js';
export { digestSignatureValid, publicKeyId, type DigestBody } from './signature.js';
export { DIGEST_FIELDS } from './digest.js';

/**
 * The audit stage: after redaction, before export. Each audit record (`log.type = "audit"`) gets the
 * chain — `audit.stream`, `audit.seq` (continuing across restarts), `audit.prev_hash` and `audit.hash`,
 * SHA-256 over the canonical content (see canonical.ts) — and every `digestRecords` records or
 * `digestIntervalMs` a signed digest record covers the range since the last one and links to its
 * signature. Other records pass untouched. The cost on the emit path, per audit record: one canonical
 * JSON + SHA-256 and one positioned write of the state file; digests sign once per range.
 *
 * Stats section `audit`: `records` (chained), `digests`, `seq` (the last number given, a gauge),
 * `errors` by reason (`state_write`, `sign`, `internal_error`).
 */
export function createAuditStage(config: AuditConfig, ctx: StageContext, next: LogStage): LogStage {
  if (!config.enabled || !config.signingKey || !config.keyId || !config.stateDir) return next;
  return new AuditChainStage(config as Required<AuditConfig>, ctx, next);
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
    const opened = ChainStateFile.open(config.stateDir, config.stream);
    this.state = opened.file;
    this.position = opened.position;
    this.timer = setInterval(() => this.digestIfPending(), config.digestIntervalMs).unref();
    ctx.stats.register('audit', () => ({ records: this.records, digests: this.digests, seq: this.position.seq, errors: this.errors.toJSON() }), { gauges: ['seq'] });
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
      const hash = hashRecord(record);
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
    if (this.position.seq - this.position.coveredThrough >= this.config.digestRecords) this.digestIfPending();
    return verdict;
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  /** The last range gets its digest before the stream closes, so a clean stop leaves nothing unverified. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      this.digestIfPending();
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

  private digestIfPending(): void {
    const position = this.position;
    if (position.seq <= position.coveredThrough) return;
    try {
      const body = digestBody({
        stream: this.config.stream,
        seq: position.digestSeq + 1,
        first_seq: position.coveredThrough + 1,
        last_seq: position.seq,
        last_hash: position.lastHash,
        prev_signature: position.digestSignature,
        key_id: this.config.keyId,
      });
      const signature = signDigest(body, this.config.signingKey);
      position.digestSeq = body.seq;
      position.digestSignature = signature;
      position.coveredThrough = body.last_seq;
      this.persist();
      this.state.syncSoon((error) => {
        this.count('state_write');
        diag.error(`otel-logkit: the audit chain state ${this.state.path} could not be flushed to disk`, error);
      });
      this.digests++;
      this.next.write(digestRecord(this.ctx.resource, body, signature));
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
