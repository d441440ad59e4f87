import type { LogkitRecord } from '../../src/core/record.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import { classifyAnswer, retryingServerErrors } from '../delivery/classify.js';
import type { LokiConfig } from './config.js';
import { encodeJsonPush, encodeProtobufPush } from './push-request.js';
import { LabelCardinalityGuard, LokiStreamBuilder } from './streams.js';

/** Appended to the endpoint by the transport, so a path prefix (Loki behind a proxy at `/loki-eu`) is kept. */
export const LOKI_PUSH_PATH = '/loki/api/v1/push';

/**
 * Loki's push API as a {@link Protocol}: batches become streams (see {@link LokiStreamBuilder}), and
 * Loki's answers start from the core's default classification (classify.ts), refined twice: every
 * 5xx is retried (a 500 from Loki is an ingester restarting or a flush failing, and clears up by
 * itself), and a refusal naming a timestamp ("entry out of order", "too far behind") is reason
 * `timestamp_refused` — retrying never helps, the same entries would be refused again and Loki has
 * already stored the rest of the request — so it goes to the dead-letter directory with Loki's message.
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
    const request: WireRequest = { path: LOKI_PUSH_PATH, ...(this.config.encoding === 'protobuf' ? encodeProtobufPush(streams) : encodeJsonPush(streams)) };
    if (this.config.tenant !== undefined) request.headers['X-Scope-OrgID'] = this.config.tenant;
    return request;
  }

  classify(response: WireResponse): Verdict {
    const verdict = retryingServerErrors(classifyAnswer(response, lokiMessage), response);
    if (verdict.kind === 'dead-letter' && verdict.reason === 'refused' && TIMESTAMP_REFUSAL.test(verdict.message ?? '')) {
      return { kind: 'dead-letter', reason: 'timestamp_refused', message: verdict.message };
    }
    return verdict;
  }
}

/** How Loki words a refusal of entries for their timestamp. */
const TIMESTAMP_REFUSAL = /out of order|too far behind|too old|too new|timestamp/i;

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
