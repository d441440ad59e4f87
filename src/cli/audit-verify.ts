import type { KeyObject } from 'node:crypto';
import { AUDIT_CHAIN_ATTRIBUTES, AUDIT_DIGEST_LOG_TYPE, AUDIT_DIGEST_PREFIX, AUDIT_LOG_TYPE, LOG_TYPE_ATTRIBUTE } from '../core/audit-record.js';
import { type AuditContent, type DigestBody, digestSignatureValid, GENESIS_HASH, hashContent, publicKeyId } from '../../processors/audit/index.js';

/** One stored record of an audit stream as read back from a store: its content and stored hash. */
export interface StoredAuditEntry {
  /** Where it was found, for the report: `file:line`, `index/id`, a Loki timestamp. */
  where: string;
  content: AuditContent;
  /** The stored `audit.hash` (records only). */
  hash?: string;
}

/** What the verifier found; the order is that of precedence for the exit code. */
export type FindingKind = 'altered' | 'inserted' | 'missing' | 'digest' | 'unverified';

export interface Finding {
  kind: FindingKind;
  stream: string;
  message: string;
  seq?: number;
  where?: string;
}

export interface StreamSummary {
  stream: string;
  records: number;
  digests: number;
  lastSeq: number;
  verifiedThrough: number;
}

export interface AuditReport {
  streams: StreamSummary[];
  findings: Finding[];
  records: number;
}

/** Exit codes of `otel-logkit audit verify`, documented in the README. */
export const VERIFY_EXIT = { verified: 0, missing: 3, altered: 4, inserted: 5, digest: 6, unverified: 7 } as const;
const PRECEDENCE: readonly FindingKind[] = ['altered', 'inserted', 'digest', 'missing', 'unverified'];

export function exitCodeOf(report: AuditReport): number {
  for (const kind of PRECEDENCE) if (report.findings.some((f) => f.kind === kind)) return VERIFY_EXIT[kind];
  return VERIFY_EXIT.verified;
}

interface ChainEntry {
  entry: StoredAuditEntry;
  seq: number;
  prevHash: string;
  stored: string;
  intact: boolean;
}

interface DigestEntry {
  entry: StoredAuditEntry;
  body: DigestBody;
  signature: string;
  valid: boolean;
}

/**
 * Checks every stream found in `entries` against the chain rules and the signed digests; needs only
 * the public key. Records are matched by sequence number, never by the order a store returns them.
 */
export function verifyAuditEntries(entries: readonly StoredAuditEntry[], publicKey: KeyObject): AuditReport {
  const keyId = publicKeyId(publicKey);
  const byStream = new Map<string, StoredAuditEntry[]>();
  for (const entry of entries) {
    const stream = String(entry.content.attributes[AUDIT_CHAIN_ATTRIBUTES.stream] ?? '');
    let list = byStream.get(stream);
    if (list === undefined) byStream.set(stream, (list = []));
    list.push(entry);
  }
  const report: AuditReport = { streams: [], findings: [], records: 0 };
  for (const [stream, list] of [...byStream].sort(([a], [b]) => a.localeCompare(b))) {
    const summary = new StreamVerifier(stream, keyId, publicKey, report.findings).run(list);
    report.streams.push(summary);
    report.records += summary.records;
  }
  return report;
}

class StreamVerifier {
  constructor(
    private readonly stream: string,
    private readonly keyId: string,
    private readonly publicKey: KeyObject,
    private readonly findings: Finding[],
  ) {}

  run(entries: readonly StoredAuditEntry[]): StreamSummary {
    const records: ChainEntry[] = [];
    const digests: DigestEntry[] = [];
    for (const entry of entries) {
      const type = entry.content.attributes[LOG_TYPE_ATTRIBUTE];
      if (type === AUDIT_DIGEST_LOG_TYPE) this.readDigest(entry, digests);
      else if (type === AUDIT_LOG_TYPE) this.readRecord(entry, records);
    }
    const chosenDigests = this.pickDigests(digests);
    const anchors = new Map<number, string>(chosenDigests.map((d) => [d.body.last_seq, d.body.last_hash]));
    const chain = this.pickRecords(records, anchors);
    const lastSeq = Math.max(0, ...chain.keys(), ...chosenDigests.map((d) => d.body.last_seq));
    this.walkChain(chain, lastSeq);
    const verifiedThrough = this.checkDigests(chosenDigests, chain);
    if (lastSeq > verifiedThrough) {
      this.add('unverified', `records ${verifiedThrough + 1}-${lastSeq} come after the last valid digest: not yet covered by a signature`, verifiedThrough + 1);
    }
    return { stream: this.stream, records: records.length, digests: digests.length, lastSeq, verifiedThrough };
  }

  private readRecord(entry: StoredAuditEntry, out: ChainEntry[]): void {
    const attributes = entry.content.attributes;
    const seq = attributes[AUDIT_CHAIN_ATTRIBUTES.seq];
    const prevHash = attributes[AUDIT_CHAIN_ATTRIBUTES.prevHash];
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || typeof prevHash !== 'string' || typeof entry.hash !== 'string') {
      this.add('inserted', 'an audit record without a valid chain (audit.seq, audit.prev_hash, audit.hash)', undefined, entry.where);
      return;
    }
    const intact = hashContent(entry.content) === entry.hash;
    if (!intact) this.add('altered', `content does not match its hash ${entry.hash.slice(0, 16)}…`, seq, entry.where);
    out.push({ entry, seq, prevHash, stored: entry.hash, intact });
  }

  private readDigest(entry: StoredAuditEntry, out: DigestEntry[]): void {
    const a = entry.content.attributes;
    const field = (name: string) => a[AUDIT_DIGEST_PREFIX + name];
    const body: DigestBody = {
      stream: this.stream,
      seq: Number(field('seq')),
      first_seq: Number(field('first_seq')),
      last_seq: Number(field('last_seq')),
      last_hash: String(field('last_hash') ?? ''),
      prev_signature: String(field('prev_signature') ?? ''),
      key_id: String(field('key_id') ?? ''),
      signed_at: String(field('signed_at') ?? ''),
    };
    const signature = String(field('signature') ?? '');
    const valid = body.key_id === this.keyId && Number.isSafeInteger(body.seq) && digestSignatureValid(body, signature, this.publicKey);
    if (!valid) {
      const why = body.key_id !== this.keyId ? `signed with key ${body.key_id}, not ${this.keyId}` : 'its signature does not verify';
      this.add('digest', `digest ${field('seq')} is forged: ${why}`, undefined, entry.where);
    }
    out.push({ entry, body, signature, valid });
  }

  /** One valid digest per number; the others were reported as forged. */
  private pickDigests(digests: readonly DigestEntry[]): DigestEntry[] {
    const byNumber = new Map<number, DigestEntry>();
    for (const d of digests) if (d.valid && !byNumber.has(d.body.seq)) byNumber.set(d.body.seq, d);
    return [...byNumber.values()].sort((a, b) => a.body.seq - b.body.seq);
  }

  /**
   * One record per sequence number. When a number appears more than once, the genuine record is the
   * one the chain and the digests point at (the next record's prev_hash, a digest's last_hash); the
   * others were inserted.
   */
  private pickRecords(records: readonly ChainEntry[], anchors: ReadonlyMap<number, string>): Map<number, ChainEntry> {
    const bySeq = new Map<number, ChainEntry[]>();
    for (const r of records) {
      let list = bySeq.get(r.seq);
      if (list === undefined) bySeq.set(r.seq, (list = []));
      list.push(r);
    }
    const chain = new Map<number, ChainEntry>();
    for (const [seq, candidates] of bySeq) {
      if (candidates.length === 1) {
        chain.set(seq, candidates[0]!);
        continue;
      }
      const pointedAt = new Set<string>((bySeq.get(seq + 1) ?? []).map((n) => n.prevHash));
      const anchor = anchors.get(seq);
      if (anchor !== undefined) pointedAt.add(anchor);
      const score = (c: ChainEntry) => (pointedAt.has(c.stored) ? 2 : 0) + (c.intact ? 1 : 0);
      const ranked = [...candidates].sort((a, b) => score(b) - score(a));
      chain.set(seq, ranked[0]!);
      for (const other of ranked.slice(1)) this.add('inserted', `a second record with sequence number ${seq}, which the chain does not point at`, seq, other.entry.where);
    }
    return chain;
  }

  private walkChain(chain: ReadonlyMap<number, ChainEntry>, lastSeq: number): void {
    let gapStart: number | undefined;
    for (let seq = 1; seq <= lastSeq + 1; seq++) {
      const record = chain.get(seq);
      if (record === undefined) {
        gapStart ??= seq;
        continue;
      }
      if (gapStart !== undefined) {
        this.add('missing', `records ${gapStart === seq - 1 ? gapStart : `${gapStart}-${seq - 1}`} are missing`, gapStart);
        gapStart = undefined;
      }
      const before = seq === 1 ? GENESIS_HASH : chain.get(seq - 1)?.stored;
      if (before !== undefined && record.prevHash !== before) {
        this.add('inserted', `does not follow record ${seq - 1} (its prev_hash is not that record's hash): inserted or reordered`, seq, record.entry.where);
      }
    }
    if (gapStart !== undefined && gapStart <= lastSeq) this.add('missing', `records ${gapStart}-${lastSeq} are missing`, gapStart);
  }

  /** Checks the digest chain and what each digest covers; returns the last sequence number a valid digest covers. */
  private checkDigests(digests: readonly DigestEntry[], chain: ReadonlyMap<number, ChainEntry>): number {
    let expected = 1;
    let previous: DigestEntry | undefined;
    let covered = 0;
    for (const d of digests) {
      const { body } = d;
      if (body.seq !== expected) this.add('digest', `digest${body.seq - expected > 1 ? 's' : ''} ${expected}${body.seq - expected > 1 ? `-${body.seq - 1}` : ''} missing (next found: ${body.seq})`, undefined, d.entry.where);
      else if (previous !== undefined && body.prev_signature !== previous.signature) this.add('digest', `digest ${body.seq} does not link to digest ${previous.body.seq}'s signature`, undefined, d.entry.where);
      else if (previous === undefined && body.seq === 1 && body.prev_signature !== '') this.add('digest', 'digest 1 links to a digest that does not exist', undefined, d.entry.where);
      if (body.first_seq !== covered + 1 && body.seq === expected) this.add('digest', `digest ${body.seq} covers ${body.first_seq}-${body.last_seq}, but the previous one ended at ${covered}`, undefined, d.entry.where);
      const last = chain.get(body.last_seq);
      if (last !== undefined && last.stored !== body.last_hash) {
        this.add('altered', `record ${body.last_seq} is not the one digest ${body.seq} signed (hash ${last.stored.slice(0, 16)}…, signed ${body.last_hash.slice(0, 16)}…)`, body.last_seq, last.entry.where);
      }
      covered = Math.max(covered, body.last_seq);
      expected = body.seq + 1;
      previous = d;
    }
    return covered;
  }

  private add(kind: FindingKind, message: string, seq?: number, where?: string): void {
    this.findings.push({ kind, stream: this.stream, message, seq, where });
  }
}
