import { diag } from '@opentelemetry/api';
import { LogkitError } from '../../src/core/errors.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { compressRequest } from './compress.js';
import type { DeadLetterDirectory } from './dead-letter.js';
import type { DeliveryStats } from './delivery-stats.js';
import type { OutgoingBatch } from './outgoing-batch.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from './protocol.js';
import type { DeliveryReason } from './reasons.js';
import { buildRequest, requestBytes } from './request-builder.js';
import type { RetryPolicy } from './retry.js';
import { isTransportVerdict, type Transport } from './transport.js';

/** What a delivery borrows from its stage: whether it is shutting down, and how to wait out a backoff. */
export interface BackoffGate {
  /** True once shutdown began: nothing new is retried. */
  readonly stopping: boolean;
  /** Sleeps `ms`, ending early at shutdown. `down`: the backend has failed several times in a row. */
  wait(ms: number, down: boolean): Promise<void>;
  /** Each request's round trip, and whether the answer asked us to slow down (adaptive concurrency). */
  answered?(rttMs: number, backPressure: boolean): void;
}

/** Answers that mean "too much, slow down" rather than "broken": they shrink the request concurrency. */
const BACK_PRESSURE: ReadonlySet<DeliveryReason> = new Set(['rate_limited', 'unavailable', 'timeout']);

/** `settled`: the batch reached a final outcome (counted). `kept`: given up for now, left in the spool. */
export type BatchOutcome = 'settled' | 'kept';

/** What one batch delivery needs: the protocol and transport, and where outcomes go. */
export interface BatchDeliveryParts {
  name: string;
  protocol: Protocol;
  transport: Transport;
  retry: RetryPolicy;
  stats: DeliveryStats;
  deadLetter?: DeadLetterDirectory;
  /** The queue is a spool: a batch is never given up, it stays on disk for the next start. */
  durable: boolean;
  gate: BackoffGate;
  /**
   * `OTEL_LOGKIT_BATCH_MAX_BYTES` as a bound on the request body before compression, whatever the
   * encoding: batches are closed on their protobuf size, and JSON of the same records can be 2-3 times
   * larger, so an encoded request over the bound is sent in parts (a single record is sent as it is).
   */
  maxRequestBytes?: number;
}

/** What `classify` gets when the request was built from OTLP bytes (see Protocol.encodeFromOtlp). */
const NO_RECORDS: readonly LogkitRecord[] = Object.freeze([]);

/** Consecutive failed attempts after which the backend counts as down (a flush stops waiting for a spooled batch). */
const FAILURES_MEANING_DOWN = 3;

/**
 * One batch, from its first request until it is acknowledged, refused for good, or given up: encoding
 * (once; every retry reuses the request), compression off the main thread, the protocol's verdict on
 * each answer, retries with backoff, 413 splits, per-record partial results and the dead-letter
 * directory. Every record ends in exactly one counter — exported, rejected, dead_lettered or failed,
 * each with its {@link DeliveryReason} — or, with a spool, stays on disk. The stage around it decides
 * when batches start; this decides what becomes of one.
 *
 * @example
 * const delivery = new BatchDelivery({ name: 'otlp', protocol, transport, retry, stats, durable: false, gate });
 * const outcome = await delivery.deliver(batch); // 'settled' | 'kept'
 */
export class BatchDelivery {
  constructor(private readonly parts: BatchDeliveryParts) {}

  async deliver(batch: OutgoingBatch): Promise<BatchOutcome> {
    const state = { kept: false };
    try {
      await this.attempt(batch, Date.now(), state);
    } catch (error) {
      this.parts.stats.fail('internal_error', batch.size);
      diag.error(`otel-logkit: ${this.parts.name}: delivery failed unexpectedly`, error);
    }
    return state.kept ? 'kept' : 'settled';
  }

  private async attempt(outgoing: OutgoingBatch, startedAt: number, state: { kept: boolean }): Promise<void> {
    const { name, protocol, transport, stats } = this.parts;
    let attempt = 0;
    let batch = outgoing;
    let request: WireRequest | undefined;
    let viaOtlp = false;
    while (true) {
      if (!request) {
        let parts = 1;
        try {
          const fromOtlp = protocol.encodeFromOtlp?.(batch.otlp());
          viaOtlp = fromOtlp !== undefined;
          const encoded = fromOtlp ?? buildRequest(protocol, batch.records());
          parts = Math.min(batch.size, Math.ceil(requestBytes(encoded) / (this.parts.maxRequestBytes ?? Infinity)));
          if (parts <= 1) request = await compressRequest(encoded);
        } catch (error) {
          diag.error(`otel-logkit: ${name}: a batch could not be encoded`, error);
          this.refuse(batch, 'encode_error', (error as Error).message);
          return;
        }
        if (parts > 1 || !request) {
          for (const part of batch.parts(parts)) await this.attempt(part, startedAt, state);
          return;
        }
      }
      let verdict: Verdict;
      let response: WireResponse | undefined;
      const sentAt = performance.now();
      try {
        const answer = await transport.send(request);
        if (isTransportVerdict(answer)) verdict = answer.verdict;
        else {
          response = answer;
          verdict = protocol.classify(response, viaOtlp ? NO_RECORDS : batch.records());
        }
      } catch (error) {
        verdict = { kind: 'retry', reason: sendFailure(error), message: (error as Error).message };
        diag.warn(`otel-logkit: ${name}: ${(error as Error).message}`);
      }
      const rtt = performance.now() - sentAt;
      stats.observeLatency(rtt);
      const pressed = (verdict.kind === 'retry' && BACK_PRESSURE.has(verdict.reason)) || (verdict.kind === 'partial' && BACK_PRESSURE.has(verdict.retryReason ?? 'server_error'));
      this.parts.gate.answered?.(rtt, pressed);
      switch (verdict.kind) {
        case 'ok': {
          const rejected = Math.min(batch.size, verdict.rejected ?? 0);
          stats.exported += batch.size - rejected;
          if (rejected > 0) {
            stats.rejected += rejected;
            diag.warn(`otel-logkit: ${name}: the backend rejected ${rejected} of ${batch.size} records: ${verdict.message ?? 'no reason given'}`);
          }
          return;
        }
        case 'dead-letter':
          this.refuse(batch, verdict.reason, verdict.message, response);
          return;
        case 'split': {
          if (batch.size <= 1) {
            this.refuse(batch, verdict.reason, verdict.message, response);
            return;
          }
          const [first, second] = batch.halves();
          await this.attempt(first, startedAt, state);
          await this.attempt(second, startedAt, state);
          return;
        }
        case 'partial': {
          const retry = verdict.retry.filter((i) => i >= 0 && i < batch.size);
          const refused = verdict.deadLetter.filter(({ index }) => index >= 0 && index < batch.size);
          for (const { index, reason, message } of refused) this.refuse(batch.pick([index]), reason, message, response);
          stats.exported += batch.size - retry.length - refused.length;
          if (retry.length === 0) return;
          batch = batch.pick(retry);
          request = undefined;
          const reason = verdict.retryReason ?? 'server_error';
          if (!(await this.backOff(batch.size, startedAt, attempt++, verdict.retryAfterMs, reason, `${retry.length} records to retry`, state))) return;
          break;
        }
        case 'retry':
          if (!(await this.backOff(batch.size, startedAt, attempt++, verdict.retryAfterMs, verdict.reason, verdict.message, state))) return;
          break;
      }
    }
  }

  /** Waits before the next attempt; false when the batch is given up (counted failed, or left in the spool). */
  private async backOff(
    records: number,
    startedAt: number,
    attempt: number,
    retryAfterMs: number | undefined,
    reason: DeliveryReason,
    message: string | undefined,
    state: { kept: boolean },
  ): Promise<boolean> {
    const { name, retry, stats, durable, gate } = this.parts;
    const last = `last: ${reason}${message ? ` ${message}` : ''}`;
    if (gate.stopping || !retry.mayRetry(startedAt, Date.now(), durable)) {
      if (durable) {
        state.kept = true;
        diag.warn(`otel-logkit: ${name}: ${records} records stay in the spool for the next start (${last})`);
      } else {
        stats.fail(reason, records);
        diag.error(`otel-logkit: ${name}: gave up ${records} records after ${attempt + 1} attempts (${last})`);
      }
      return false;
    }
    stats.retried += records;
    // One or two failures are a blip worth waiting for even at shutdown; from the third, the backend is down.
    await gate.wait(retry.delayMs(attempt, retryAfterMs), attempt >= FAILURES_MEANING_DOWN - 1);
    return true;
  }

  private refuse(batch: OutgoingBatch, reason: DeliveryReason, message: string | undefined, response?: WireResponse): void {
    const { name, stats, deadLetter } = this.parts;
    let written = false;
    try {
      written = deadLetter?.write(batch.records(), { reason, message, response }) ?? false;
    } catch (error) {
      diag.error(`otel-logkit: ${name}: a refused batch could not be read for the dead-letter directory`, error);
    }
    if (written) stats.deadLetter(reason, batch.size);
    else stats.fail(reason, batch.size);
    diag.error(`otel-logkit: ${name}: the backend refused ${batch.size} records (${reason}${message ? `: ${message}` : ''})${deadLetter ? '' : '; set a dead-letter directory to keep them'}`);
  }
}

/** A transport's rejection as a reason: our HTTP transport's typed errors, or any other transport's failure. */
function sendFailure(error: unknown): DeliveryReason {
  if (!(error instanceof LogkitError)) return 'send_error';
  return error.code === 'LOGKIT_EXPORT_TIMEOUT' ? 'timeout' : 'network';
}
