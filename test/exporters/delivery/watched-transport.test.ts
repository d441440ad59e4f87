import { describe, expect, it } from 'vitest';
import type { Refusal } from '../../../src/core/backend-health.js';
import type { Transport, TransportVerdict } from '../../../exporters/delivery/transport.js';
import { watchedTransport } from '../../../exporters/delivery/watched-transport.js';

const VARIABLES = { backend: 'the Kafka broker', endpoint: 'OTEL_LOGKIT_KAFKA_BROKERS', auth: 'OTEL_LOGKIT_KAFKA_USERNAME', ca: 'CA', clientCertificate: 'CERT', timeout: 'TIMEOUT' };

function watched(answer: TransportVerdict) {
  const seen = { reached: 0, refused: [] as Refusal[] };
  const inner: Transport = { send: async () => answer, close: async () => {} };
  const transport = watchedTransport(
    inner,
    { reached: () => void seen.reached++, unreachable: () => {}, refused: (refusal) => void seen.refused.push(refusal) },
    { endpoint: new URL('kafka://broker-1:9092'), variables: VARIABLES },
  );
  return { transport, seen };
}

describe('a watched transport that answers with verdicts of its own (Kafka)', () => {
  it('reports a denied refusal with the credentials fix, naming the wire and its words, and passes the verdict on', async () => {
    const answer: TransportVerdict = { verdict: { kind: 'dead-letter', reason: 'refused', message: 'TOPIC_AUTHORIZATION_FAILED: not allowed' }, denied: true };
    const { transport, seen } = watched(answer);
    expect(await transport.send({ path: 'logs', headers: {}, body: new Uint8Array(0) })).toBe(answer);
    expect(seen.refused).toHaveLength(1);
    expect(seen.refused[0]).toMatchObject({ said: 'kafka: TOPIC_AUTHORIZATION_FAILED: not allowed', cause: 'kafka denied' });
    expect(seen.refused[0]!.fix).toContain('OTEL_LOGKIT_KAFKA_USERNAME');
    expect(seen.refused[0]!.url).toContain('logs');
  });

  it('counts an accepted or retried answer as reached, not refused', async () => {
    for (const answer of [{ verdict: { kind: 'ok' } }, { verdict: { kind: 'split', reason: 'too_large' } }] as TransportVerdict[]) {
      const { transport, seen } = watched(answer);
      await transport.send({ path: 'logs', headers: {}, body: new Uint8Array(0) });
      expect(seen).toEqual({ reached: 1, refused: [] });
    }
  });
});
