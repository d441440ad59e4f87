import type { KeyObject } from 'node:crypto';
import { AUDIT_CHAIN_ATTRIBUTES, AUDIT_DIGEST_LOG_TYPE, AUDIT_DIGEST_PREFIX, AUDIT_LOG_TYPE, LOG_TYPE_ATTRIBUTE } from '../core/audit-record.js';
import {
  type AuditEnvelope,
  type AuditFields,
  type DigestBody,
  digestSignatureValid,
  envelopeIn,
  envelopeMismatches,
  GENESIS_HASH,
  hashFields,
  plainOf,
  publicKeyId,
  SIGNATURE_ATTRIBUTE,
  signatureValid,
  signedBytes,
} from '../../processors/audit/index.js';

/** One stored record of an audit stream as read back from a store (see audit-sources.ts). */
export interface StoredAuditEntry {
  /** Where it was found, for the report: `file:line`, `index/id`, a Loki timestamp. */
  where: string;
  fields: AuditFields;
  /** Keys the store holds more than once for this record (a reader would show one copy). */
  duplicates?: string[];
}

/**
 * What the verifier found, each naming what can no longer be trusted. `unverified` covers records no
 * valid signature vouches for: unchained records, a signed range whose chain is broken, records after
 * the last digest once one was due, and a window whose end no digest covers.
 */
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
  /** The chain ids found in the stream, oldest first (`""`: a chain begun before chain ids). */
  chains: string[];
  records: number;
  digests: number;
  lastSeq: number;
  /** How many records a valid signature vouches for, through an unbroken chain. */
  verified: number;
  /** The last sequence number of the newest chain that a valid digest covers. */
  verifiedThrough: number;
  /** When the newest valid digest was signed (nanoseconds since the epoch), and why. */
  lastDigestAt?: string;
  lastDigestReason?: string;
}

export interface AuditReport {
  streams: StreamSummary[];
  findings: Finding[];
  /** What is worth knowing but is no damage: chain restarts, records not yet due for a signature. */
  notes: string[];
  records: number;
}

/** The window checked and how late a digest may be beyond the interval it promises. */
export interface VerifyWindow {
  /** Nanoseconds since the epoch: findings about records signed before the last digest before it are left out. */
  fromNs?: bigint;
  /** Nanoseconds since the epoch (default: now): a digest must have been signed within one interval plus the grace of it. */
  toNs?: bigint;
  graceMs?: number;
}

export const DEFAULT_GRACE_MS = 60_000;

/** Exit codes of `otel-logkit audit verify`, documented in the README. */
export const VERIFY_EXIT = { verified: 0, usage: 2, missing: 3, altered: 4, inserted: 5, digest: 6, unverified: 7, nothing: 8 } as const;
const PRECEDENCE: readonly FindingKind[] = ['altered', 'inserted', 'digest', 'unverified', 'missing'];

export function exitCodeOf(report: AuditReport): number {
  for (const kind of PRECEDENCE) if (report.findings.some((f) => f.kind === kind)) return VERIFY_EXIT[kind];
  return report.streams.length === 0 ? VERIFY_EXIT.nothing : VERIFY_EXIT.verified;
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
  /** Version 2 only: the promised interval and why it was written. */
  intervalMs?: number;
  reason?: string;
}

const stringAt = (fields: AuditFields, key: string): string | undefined => {
  const value = fields.attributes[key];
  return value !== null && value !== undefined && 's' in value ? value.s : undefined;
};
const numberAt = (fields: AuditFields, key: string): number => {
  const value = fields.attributes[key];
  return value !== null && value !== undefined && 'i' in value ? Number(value.i) : NaN;
};
const nanosIso = (nanos: string | bigint): string => {
  const n = BigInt(nanos);
  return `${new Date(Number(n / 1_000_000n)).toISOString().slice(0, 19)}.${String(n % 1_000_000_000n).padStart(9, '0')}Z`;
};

/**
 * Checks every stream found in `entries` against the chain rules and the signed digests; needs only
 * the public key. Records are matched by sequence number, never by the order a store returns them.
 */
export function verifyAuditEntries(entries: readonly StoredAuditEntry[], publicKey: KeyObject, window: VerifyWindow = {}): AuditReport {
  const report: AuditReport = { streams: [], findings: [], notes: [], records: 0 };
  const byStream = new Map<string, Map<string, StoredAuditEntry[]>>();
  for (const entry of entries) {
    const stream = stringAt(entry.fields, AUDIT_CHAIN_ATTRIBUTES.stream);
    const type = stringAt(entry.fields, LOG_TYPE_ATTRIBUTE);
    if (stream === undefined || (type !== AUDIT_LOG_TYPE && type !== AUDIT_DIGEST_LOG_TYPE)) {
      const what = stream === undefined ? 'an audit record without a chain (no audit.stream, audit.seq, audit.hash): written without a signing key, or added to the store' : `a record of unknown audit kind log.type=${type ?? '(none)'}`;
      report.findings.push({ kind: 'unverified', stream: stream ?? '', message: `${what}; no signature vouches for it`, where: entry.where });
      continue;
    }
    const chain = envelopeIn(entry.fields.attributes)?.chain ?? '';
    let chains = byStream.get(stream);
    if (chains === undefined) byStream.set(stream, (chains = new Map()));
    let list = chains.get(chain);
    if (list === undefined) chains.set(chain, (list = []));
    list.push(entry);
  }
  const toNs = window.toNs ?? BigInt(Date.now()) * 1_000_000n;
  const graceNs = BigInt(window.graceMs ?? DEFAULT_GRACE_MS) * 1_000_000n;
  for (const [stream, chains] of [...byStream].sort(([a], [b]) => a.localeCompare(b))) {
    const verifier = new StreamVerifier(stream, publicKey, report, { fromNs: window.fromNs, toNs, graceNs });
    const summary = verifier.run(chains);
    report.streams.push(summary);
    report.records += summary.records;
  }
  return report;
}

interface ChainResult {
  chain: string;
  records: number;
  digests: number;
  lastSeq: number;
  verified: number;
  verifiedThrough: number;
  last?: DigestEntry;
  start?: DigestEntry;
}

class StreamVerifier {
  private readonly keyId: string;

  constructor(
    private readonly stream: string,
    private readonly publicKey: KeyObject,
    private readonly report: AuditReport,
    private readonly window: { fromNs?: bigint; toNs: bigint; graceNs: bigint },
  ) {
    this.keyId = publicKeyId(publicKey);
  }

  run(chains: ReadonlyMap<string, StoredAuditEntry[]>): StreamSummary {
    const results = [...chains].map(([chain, entries]) => this.runChain(chain, entries));
    // Chains in the order they started; a chain without its start digest sorts by its first digest.
    const startOf = (r: ChainResult) => BigInt((r.start ?? r.last)?.body.signed_at ?? '0');
    results.sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : 0));
    results.forEach((r, i) => {
      if (i > 0 && r.start) this.report.notes.push(`stream ${this.stream}: chain ${r.chain} restarted at ${nanosIso(r.start.body.signed_at)} (${r.start.entry.where}): the chain state of the previous one was lost; records of chain ${results[i - 1]!.chain} after its last digest cannot be joined to it`);
    });
    const newest = results.at(-1)!;
    const lastDigest = results.map((r) => r.last).filter((d) => d !== undefined).sort((a, b) => (BigInt(a.body.signed_at) < BigInt(b.body.signed_at) ? -1 : 1)).at(-1);
    const records = results.reduce((n, r) => n + r.records, 0);
    if (lastDigest === undefined) {
      if (records > 0) this.add('unverified', `no valid digest: nothing vouches for the ${records} records of the stream`);
    } else {
      this.checkLiveness(lastDigest);
    }
    return {
      stream: this.stream,
      chains: results.map((r) => r.chain),
      records,
      digests: results.reduce((n, r) => n + r.digests, 0),
      lastSeq: newest.lastSeq,
      verified: results.reduce((n, r) => n + r.verified, 0),
      verifiedThrough: newest.verifiedThrough,
      lastDigestAt: lastDigest?.body.signed_at,
      lastDigestReason: lastDigest?.reason,
    };
  }

  /** The window's end must be covered: a digest within one promised interval plus the grace. */
  private checkLiveness(last: DigestEntry): void {
    if (last.intervalMs === undefined) {
      this.report.notes.push(`stream ${this.stream}: its digests are of version 1, which promised no interval: the end of the window is not checked`);
      return;
    }
    const due = BigInt(last.body.signed_at) + BigInt(last.intervalMs) * 1_000_000n + this.window.graceNs;
    if (due >= this.window.toNs) return;
    const stopped = last.reason === 'shutdown' ? `; the writer says it shut down then (verify with --to ${nanosIso(last.body.signed_at)} to check up to there)` : '';
    this.add('unverified', `the trail ends at ${nanosIso(last.body.signed_at)} (digest ${last.body.seq}, ${last.reason}), but the window ends at ${nanosIso(this.window.toNs)}: a digest was due by ${nanosIso(due)} (interval ${last.intervalMs} ms plus the grace): the tail was cut, or the writer stopped${stopped}`, undefined, last.entry.where);
  }

  private runChain(chain: string, entries: readonly StoredAuditEntry[]): ChainResult {
    const findingsBefore = this.report.findings.length;
    const records: ChainEntry[] = [];
    const digests: DigestEntry[] = [];
    for (const entry of entries) {
      for (const key of entry.duplicates ?? []) this.add('altered', `the key ${key} appears twice: a reader shows one copy, so the record cannot be trusted`, undefined, entry.where);
      if (stringAt(entry.fields, LOG_TYPE_ATTRIBUTE) === AUDIT_DIGEST_LOG_TYPE) this.readDigest(entry, digests);
      else this.readRecord(entry, records);
    }
    const chosen = this.pickDigests(digests);
    const anchors = new Map<number, string>(chosen.map((d) => [d.body.last_seq, d.body.last_hash]));
    const byNumber = this.pickRecords(records, anchors);
    const lastSeq = Math.max(0, ...byNumber.keys(), ...chosen.map((d) => d.body.last_seq));
    this.walkChain(byNumber, lastSeq);
    const verified = this.checkDigests(chosen, byNumber);
    const verifiedThrough = chosen.reduce((n, d) => Math.max(n, d.body.last_seq), 0);
    this.checkTail(byNumber, verifiedThrough, lastSeq, chosen.at(-1));
    this.leaveOutBeforeWindow(findingsBefore, chosen);
    return {
      chain,
      records: records.length,
      digests: digests.length,
      lastSeq,
      verified: verified.size,
      verifiedThrough,
      last: chosen.at(-1),
      start: chosen.find((d) => d.reason === 'start'),
    };
  }

  private readRecord(entry: StoredAuditEntry, out: ChainEntry[]): void {
    const fields = entry.fields;
    const seq = numberAt(fields, AUDIT_CHAIN_ATTRIBUTES.seq);
    const prevHash = stringAt(fields, AUDIT_CHAIN_ATTRIBUTES.prevHash);
    const stored = stringAt(fields, AUDIT_CHAIN_ATTRIBUTES.hash);
    if (!Number.isSafeInteger(seq) || seq < 1 || prevHash === undefined || stored === undefined) {
      this.add('unverified', 'an audit record without a valid chain (audit.seq, audit.prev_hash, audit.hash): no signature vouches for it', undefined, entry.where);
      return;
    }
    let intact = hashFields(fields) === stored;
    if (!intact) this.add('altered', `content does not match its hash ${stored.slice(0, 16)}…`, seq, entry.where);
    else intact = this.envelopeHolds(entry, envelopeIn(fields.attributes), seq);
    out.push({ entry, seq, prevHash, stored, intact });
  }

  /** Fields the store kept outside the hashed content must be the ones the envelope attests. */
  private envelopeHolds(entry: StoredAuditEntry, envelope: AuditEnvelope | undefined, seq?: number): boolean {
    if (envelope === undefined) return true;
    const mismatches = envelopeMismatches(entry.fields, envelope);
    for (const m of mismatches) this.add('altered', `its ${m}`, seq, entry.where);
    return mismatches.length === 0;
  }

  private readDigest(entry: StoredAuditEntry, out: DigestEntry[]): void {
    const fields = entry.fields;
    const field = (name: string) => fields.attributes[AUDIT_DIGEST_PREFIX + name];
    const text = (name: string) => String(plainOf(field(name) ?? null) ?? '');
    const body: DigestBody = {
      stream: this.stream,
      seq: numberAt(fields, `${AUDIT_DIGEST_PREFIX}seq`),
      first_seq: numberAt(fields, `${AUDIT_DIGEST_PREFIX}first_seq`),
      last_seq: numberAt(fields, `${AUDIT_DIGEST_PREFIX}last_seq`),
      last_hash: text('last_hash'),
      prev_signature: text('prev_signature'),
      key_id: text('key_id'),
      signed_at: text('signed_at'),
    };
    const signature = stringAt(fields, SIGNATURE_ATTRIBUTE) ?? '';
    const envelope = envelopeIn(fields.attributes);
    const wellFormed = Number.isSafeInteger(body.seq) && Number.isSafeInteger(body.first_seq) && Number.isSafeInteger(body.last_seq) && /^\d+$/.test(body.signed_at);
    const signed = envelope ? signatureValid(signedBytes(fields), signature, this.publicKey) : digestSignatureValid(body, signature, this.publicKey);
    if (body.key_id !== this.keyId || !wellFormed || !signed) {
      const why = body.key_id !== this.keyId ? `signed with key ${body.key_id}, not ${this.keyId}` : !wellFormed ? 'its fields are not well formed' : 'its signature does not verify';
      this.add('digest', `digest ${text('seq')} is forged: ${why}; nothing it covers is vouched for by it`, undefined, entry.where);
      return;
    }
    if (!this.envelopeHolds(entry, envelope)) return;
    const digest: DigestEntry = { entry, body, signature };
    if (envelope) {
      digest.intervalMs = numberAt(fields, `${AUDIT_DIGEST_PREFIX}interval_ms`);
      digest.reason = text('reason');
    }
    out.push(digest);
  }

  /** One digest per number. A copy of a signed digest is a replay; two different signed digests of one number, a fork. */
  private pickDigests(digests: readonly DigestEntry[]): DigestEntry[] {
    const byNumber = new Map<number, DigestEntry>();
    for (const d of digests) {
      const first = byNumber.get(d.body.seq);
      if (first === undefined) byNumber.set(d.body.seq, d);
      else if (first.signature === d.signature) this.add('digest', `digest ${d.body.seq} appears again (first at ${first.entry.where}): a replayed digest`, undefined, d.entry.where);
      else this.add('digest', `a second signed digest number ${d.body.seq} (first at ${first.entry.where}): the chain forked`, undefined, d.entry.where);
    }
    const chosen = [...byNumber.values()].sort((a, b) => a.body.seq - b.body.seq);
    for (let i = 1; i < chosen.length; i++) {
      if (BigInt(chosen[i]!.body.signed_at) < BigInt(chosen[i - 1]!.body.signed_at)) {
        this.add('digest', `digest ${chosen[i]!.body.seq} was signed before digest ${chosen[i - 1]!.body.seq}: out of order (a replayed or reordered digest)`, undefined, chosen[i]!.entry.where);
      }
    }
    return chosen;
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
        this.add('missing', `records ${range(gapStart, seq - 1)} are missing`, gapStart);
        gapStart = undefined;
      }
      const before = seq === 1 ? GENESIS_HASH : chain.get(seq - 1)?.stored;
      if (before !== undefined && record.prevHash !== before) {
        this.add('inserted', `does not follow record ${seq - 1} (its prev_hash is not that record's hash): inserted or reordered`, seq, record.entry.where);
      }
    }
    if (gapStart !== undefined && gapStart <= lastSeq) this.add('missing', `records ${range(gapStart, lastSeq)} are missing`, gapStart);
  }

  /**
   * Checks the digest chain, then walks back from each digest's signed hash through the records it
   * covers: a record is verified only when every record between it and the signature is there,
   * intact and linked. Returns the verified sequence numbers.
   */
  private checkDigests(digests: readonly DigestEntry[], chain: ReadonlyMap<number, ChainEntry>): Set<number> {
    const verified = new Set<number>();
    let expected = 1;
    let previous: DigestEntry | undefined;
    let covered = 0;
    for (const d of digests) {
      const { body } = d;
      const linked = body.seq === expected && (previous === undefined ? body.seq === 1 && body.prev_signature === '' : body.prev_signature === previous.signature);
      if (body.seq !== expected) this.add('digest', `digest${body.seq - expected > 1 ? 's' : ''} ${range(expected, body.seq - 1)} missing (next found: ${body.seq})`, undefined, d.entry.where);
      else if (previous !== undefined && body.prev_signature !== previous.signature) this.add('digest', `digest ${body.seq} does not link to digest ${previous.body.seq}'s signature`, undefined, d.entry.where);
      else if (previous === undefined && body.prev_signature !== '') this.add('digest', 'digest 1 links to a digest that does not exist', undefined, d.entry.where);
      if (linked && body.first_seq !== covered + 1) this.add('digest', `digest ${body.seq} covers ${body.first_seq}-${body.last_seq}, but the previous one ended at ${covered}`, undefined, d.entry.where);
      const from = linked ? covered + 1 : body.first_seq;
      const anchor = linked ? (previous?.body.last_hash ?? GENESIS_HASH) : undefined;
      this.walkBack(d, from, anchor, chain, verified);
      covered = Math.max(covered, body.last_seq);
      expected = body.seq + 1;
      previous = d;
    }
    return verified;
  }

  /** From `d`'s signed hash back to `from`; what the walk cannot reach is unverified, and named. */
  private walkBack(d: DigestEntry, from: number, anchor: string | undefined, chain: ReadonlyMap<number, ChainEntry>, verified: Set<number>): void {
    let hash = d.body.last_hash;
    for (let seq = d.body.last_seq; seq >= from; seq--) {
      const record = chain.get(seq);
      if (record !== undefined && record.stored !== hash && record.intact && seq === d.body.last_seq) {
        this.add('altered', `record ${seq} is not the one digest ${d.body.seq} signed (hash ${record.stored.slice(0, 16)}…, signed ${hash.slice(0, 16)}…)`, seq, record.entry.where);
      }
      if (record === undefined || !record.intact || record.stored !== hash) {
        const why = record === undefined ? 'is missing' : !record.intact ? 'was altered' : 'is not the record the chain signed';
        const below = seq > from ? ` records ${range(from, seq - 1)} cannot be verified, and` : '';
        this.add('unverified', `digest ${d.body.seq} signs records ${range(d.body.first_seq, d.body.last_seq)}, but record ${seq} ${why}:${below} nothing vouches for record ${seq} and what came before it in that range`, from);
        return;
      }
      verified.add(seq);
      hash = record.prevHash;
    }
    if (anchor !== undefined && hash !== anchor) {
      this.add('digest', `the records digest ${d.body.seq} signs do not join those of the digest before (record ${from} does not follow the previously signed hash)`, from, d.entry.where);
    }
  }

  /**
   * `--from`: the window starts at the last digest signed before it; what concerns records that digest
   * (or an earlier one) covered is outside the window.
   */
  private leaveOutBeforeWindow(findingsBefore: number, chosen: readonly DigestEntry[]): void {
    const fromNs = this.window.fromNs;
    if (fromNs === undefined) return;
    const anchor = chosen.filter((d) => BigInt(d.body.signed_at) <= fromNs).at(-1);
    if (anchor === undefined) return;
    const kept = this.report.findings.slice(findingsBefore).filter((f) => f.seq === undefined || f.seq > anchor.body.last_seq);
    this.report.findings.splice(findingsBefore, Infinity, ...kept);
  }

  /** Records after the last digest: not yet due a signature (a note), or overdue (unverified). */
  private checkTail(chain: ReadonlyMap<number, ChainEntry>, verifiedThrough: number, lastSeq: number, last: DigestEntry | undefined): void {
    if (lastSeq <= verifiedThrough || last === undefined) return;
    const dueNs = last.intervalMs === undefined ? undefined : BigInt(last.body.signed_at) + BigInt(last.intervalMs) * 1_000_000n + this.window.graceNs;
    if (dueNs !== undefined && dueNs >= this.window.toNs) {
      this.report.notes.push(`stream ${this.stream}: records ${range(verifiedThrough + 1, lastSeq)} come after the last digest; the next one is due by ${nanosIso(dueNs)}, so they are not verified yet`);
      return;
    }
    const inWindow = [...chain.values()].filter((r) => r.seq > verifiedThrough && BigInt(r.entry.fields.time_unix_nano) <= this.window.toNs);
    if (inWindow.length > 0) this.add('unverified', `records ${range(verifiedThrough + 1, lastSeq)} come after the last valid digest, and a digest was due: no signature vouches for them`, verifiedThrough + 1);
  }

  private add(kind: FindingKind, message: string, seq?: number, where?: string): void {
    this.report.findings.push({ kind, stream: this.stream, message, seq, where });
  }
}

function range(from: number, to: number): string {
  return from === to ? String(from) : `${from}-${to}`;
}
