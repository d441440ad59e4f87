import { describe, expect, it } from 'vitest';
import { classifyAnswer, retryAfterMs, retryingServerErrors } from '../../../exporters/delivery/classify.js';
import type { WireResponse } from '../../../exporters/delivery/protocol.js';

function answer(status: number, headers: WireResponse['headers'] = {}, body = ''): WireResponse {
  return { status, headers, body: Buffer.from(body) };
}

describe('the default classification of HTTP answers', () => {
  it('maps each status to one verdict and one stable reason, as the OTLP/HTTP spec does', () => {
    const table = [200, 204, 408, 429, 502, 503, 504, 413, 500, 501, 400, 401, 404, 302].map((status) => {
      const verdict = classifyAnswer(answer(status));
      return [status, verdict.kind, 'reason' in verdict ? verdict.reason : undefined];
    });
    expect(table).toEqual([
      [200, 'ok', undefined],
      [204, 'ok', undefined],
      [408, 'retry', 'timeout'],
      [429, 'retry', 'rate_limited'],
      [502, 'retry', 'unavailable'],
      [503, 'retry', 'unavailable'],
      [504, 'retry', 'unavailable'],
      [413, 'split', 'too_large'],
      [500, 'dead-letter', 'server_error'],
      [501, 'dead-letter', 'server_error'],
      [400, 'dead-letter', 'refused'],
      [401, 'dead-letter', 'refused'],
      [404, 'dead-letter', 'refused'],
      [302, 'dead-letter', 'refused'],
    ]);
  });

  it("keeps the backend's words apart from the reason, described by the protocol when it knows its format", () => {
    expect(classifyAnswer(answer(400, {}, 'bad field\n'))).toEqual({ kind: 'dead-letter', reason: 'refused', message: '400: bad field' });
    expect(classifyAnswer(answer(400, {}, '{"error":"x"}'), () => 'described')).toMatchObject({ message: '400: described' });
    expect(classifyAnswer(answer(400))).toMatchObject({ message: '400: (empty body)' });
  });

  it('honours Retry-After in seconds or as an HTTP date on every retried status', () => {
    expect(classifyAnswer(answer(503, { 'retry-after': '7' }))).toMatchObject({ kind: 'retry', retryAfterMs: 7000 });
    expect(classifyAnswer(answer(429, { 'retry-after': '2' }))).toMatchObject({ kind: 'retry', retryAfterMs: 2000 });
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(answer(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(answer(503, { 'retry-after': 'soon' }))).toBeUndefined();
    expect(classifyAnswer(answer(503))).toMatchObject({ kind: 'retry', retryAfterMs: undefined });
  });

  it('lets a backend whose 500s are transient retry them, keeping the reason', () => {
    const response = answer(500, { 'retry-after': '1' }, 'ingester restarting');
    expect(retryingServerErrors(classifyAnswer(response), response)).toEqual({ kind: 'retry', reason: 'server_error', message: '500: ingester restarting', retryAfterMs: 1000 });
    const refused = answer(400);
    expect(retryingServerErrors(classifyAnswer(refused), refused)).toMatchObject({ kind: 'dead-letter', reason: 'refused' });
  });
});
