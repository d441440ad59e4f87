import type { LogkitRecord } from '../../src/core/record.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import { retryAfterMs } from '../delivery/http-answers.js';
import type { LokiConfig } from './config.js';
import { encodeJsonPush, encodeProtobufPush } from './push-request.js';
import { LabelCardinalityGuard, LokiStreamBuilder } from './streams.js';

/** Appended to the endpoint by the transport, so a path prefix (Loki behind a proxy at `/loki-eu`) is kept. */
export const LOKI_PUSH_PATH = '/loki/api/v1/push';

/**
 * Loki's push API as a {@link Protocol}: batches become streams (see {@link LokiStreamBuilder}), and
 * Loki's answers map to what retrying can and cannot fix. A 429 (ingestion or stream rate limit) and
 * 5xx clear up by themselves; "entry out of order" and "too far behind" never will — the same entries
 * would be refused again, and Loki has already stored the rest of the request — so they go to the
 * dead-letter directory with Loki's message.
 */
export class LokiProtocol implements Protocol {
  readonly name = 'loki';
  readonly guard: LabelCardinalityGuard;
  private readonly streams: LokiStreamBuilder;

  constructor(private readonly config: LokiConfig) {
    this.guard = new LabelCardinalityGuard(config.maxLabelValues);
    this.streams = new LokiStreamBuilder(config, this.guard);
  }

  encode(records: readonly LogkitRecord[]): WireRequest {
    const streams = this.streams.build(records);
    const { headers, body } = this.config.encoding === 'protobuf' ? encodeProtobufPush(streams) : encodeJsonPush(streams);
    if (this.config.tenant !== undefined) headers['X-Scope-OrgID'] = this.config.tenant;
    return { path: LOKI_PUSH_PATH, headers, body };
  }

  classify(response: WireResponse): Verdict {
    const { status } = response;
    if (status >= 200 && status < 300) return { kind: 'ok' };
    const message = lokiMessage(response);
    if (status === 429) return { kind: 'retry', reason: `loki 429: ${message}`, retryAfterMs: retryAfterMs(response) };
    if (status >= 500 || status === 408) return { kind: 'retry', reason: `loki ${status}: ${message}`, retryAfterMs: retryAfterMs(response) };
    if (status === 413) return { kind: 'split', reason: `loki 413: ${message}` };
    if (/out of order|too far behind|too old|too new|timestamp/i.test(message)) {
      return { kind: 'dead-letter', reason: `loki refused entries by timestamp (retrying cannot help): ${message}` };
    }
    return { kind: 'dead-letter', reason: `loki ${status}: ${message}` };
  }
}

/** Loki answers in plain text (sometimes JSON `{"message": …}`); keep it short for diagnostics. */
function lokiMessage(response: WireResponse): string {
  let text = response.body.toString('utf8').trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') text = parsed.message;
    } catch {
      // not JSON after all: keep the text
    }
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text || '(empty body)';
}
