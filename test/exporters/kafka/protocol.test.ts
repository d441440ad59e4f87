import { createServer, type Server } from 'node:net';
import { ProtocolError, AuthenticationError, NetworkError, MultipleErrors } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { buildRequest } from '../../../exporters/delivery/request-builder.js';
import { kafkaRefusal, KafkaProducerTransport } from '../../../exporters/kafka/producer-transport.js';
import { KafkaProtocol, messageKey } from '../../../exporters/kafka/protocol.js';
import { LogkitError } from '../../../src/core/errors.js';
import { record } from '../records.js';

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

describe('kafka protocol: one OTLP protobuf message per correlation id', () => {
  it('keys a record by correlation.global_id, else by its trace id, else not at all', () => {
    expect(messageKey(record('a', undefined, { 'correlation.global_id': 'req-1' }))).toBe('req-1');
    expect(messageKey({ ...record('b'), spanContext: TRACE })).toBe(TRACE.traceId);
    expect(messageKey({ ...record('c'), spanContext: { ...TRACE, traceId: '00000000000000000000000000000000' } })).toBeUndefined();
    expect(messageKey(record('d', undefined, { 'correlation.global_id': 42 }))).toBeUndefined();
  });

  it('encodes a batch as one message per key, each an ExportLogsServiceRequest holding exactly that key’s records in order', () => {
    const batch = [
      record('r1-a', undefined, { 'correlation.global_id': 'req-1' }),
      record('r2-a', undefined, { 'correlation.global_id': 'req-2' }),
      { ...record('traced'), spanContext: TRACE },
      record('r1-b', undefined, { 'correlation.global_id': 'req-1' }),
      record('loose'),
    ];
    // The delivery core partitions the batch by the protocol's key: one part per key, no framing of Kafka's own.
    const request = buildRequest(new KafkaProtocol('otlp_logs'), batch);
    expect(request.path).toBe('otlp_logs');
    expect(request.compress).toBeUndefined();
    const decoder = new OtlpProtobufDecoder();
    expect(request.parts!.map((m) => [m.key, decoder.decode(m.body).map((r) => r.body)])).toEqual([
      ['req-1', ['r1-a', 'r1-b']],
      ['req-2', ['r2-a']],
      [TRACE.traceId, ['traced']],
      [undefined, ['loose']],
    ]);
  });
});

describe('kafka producer transport: Kafka outcomes as the verdicts of the delivery core', () => {
  it.each([
    [new ProtocolError('MESSAGE_TOO_LARGE'), 'split', 'too_large', undefined],
    [new MultipleErrors('produce failed', [new ProtocolError('RECORD_LIST_TOO_LARGE')]), 'split', 'too_large', undefined],
    [new ProtocolError('TOPIC_AUTHORIZATION_FAILED'), 'dead-letter', 'refused', true],
    [new AuthenticationError('SASL handshake refused'), 'dead-letter', 'refused', true],
    [new ProtocolError('CORRUPT_MESSAGE'), 'dead-letter', 'refused', undefined],
  ])('%s → %s (%s)', (error, kind, reason, denied) => {
    const answer = kafkaRefusal(error);
    expect(answer?.verdict).toMatchObject({ kind, reason });
    expect(answer?.denied).toBe(denied);
    expect(answer?.verdict.kind !== 'ok' && answer?.verdict.kind !== 'partial' && answer?.verdict.message).toContain(error.message);
  });

  it.each([[new ProtocolError('NOT_ENOUGH_REPLICAS')], [new ProtocolError('LEADER_NOT_AVAILABLE')], [new NetworkError('ECONNREFUSED')]])('%s is no refusal: the send rejects and the core retries it', (error) => {
    expect(kafkaRefusal(error)).toBeUndefined();
  });

  let server: Server | undefined;
  afterEach(() => server?.close());

  it('rejects with a typed error naming only the brokers when no broker answers (the core retries it as network)', async () => {
    // A port that accepts and closes at once: a broker that is not there.
    server = createServer((socket) => socket.destroy());
    const port = await new Promise<number>((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)));
    const transport = new KafkaProducerTransport({ brokers: [`127.0.0.1:${port}`], clientId: 'spec', timeoutMs: 500 }, 'none');
    const request = new KafkaProtocol('otlp_logs').encode([record('x')]);
    const error = await transport.send(request).catch((e: unknown) => e);
    await transport.close();
    expect(error).toBeInstanceOf(LogkitError);
    expect((error as LogkitError).code).toMatch(/^LOGKIT_EXPORT_(FAILED|TIMEOUT)$/);
    expect((error as Error).message).toContain(`kafka://127.0.0.1:${port}: `);
  }, 15_000);
});
