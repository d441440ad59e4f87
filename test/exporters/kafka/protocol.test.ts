import { createServer, type Server } from 'node:net';
import { ProtocolError, AuthenticationError, NetworkError, MultipleErrors } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpProtobufDecoder } from '../../../exporters/codec/decode-protobuf.js';
import { classifyAnswer } from '../../../exporters/delivery/classify.js';
import { decodeMessageSet, encodeMessageSet } from '../../../exporters/kafka/message-set.js';
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
    const request = new KafkaProtocol('otlp_logs').encode(batch);
    expect(request.path).toBe('otlp_logs');
    expect(request.compress).toBeUndefined();
    const messages = decodeMessageSet(request.body);
    const decoder = new OtlpProtobufDecoder();
    expect(messages.map((m) => [m.key?.toString(), decoder.decode(m.value).map((r) => r.body)])).toEqual([
      ['req-1', ['r1-a', 'r1-b']],
      ['req-2', ['r2-a']],
      [TRACE.traceId, ['traced']],
      [undefined, ['loose']],
    ]);
  });

  it('frames keyed messages losslessly (empty keys and values included) and refuses a truncated frame', () => {
    const messages = [{ key: 'k', value: Buffer.from('v1') }, { value: Buffer.from('') }, { key: '', value: Buffer.from([0, 255]) }];
    const body = encodeMessageSet(messages);
    expect(decodeMessageSet(body).map((m) => [m.key?.toString(), [...m.value]])).toEqual([['k', [0x76, 0x31]], [undefined, []], ['', [0, 255]]]);
    expect(() => decodeMessageSet(body.subarray(0, body.length - 1))).toThrow(RangeError);
  });
});

describe('kafka producer transport: Kafka outcomes as the verdicts of the delivery core', () => {
  it.each([
    [new ProtocolError('MESSAGE_TOO_LARGE'), 'split', 'too_large'],
    [new MultipleErrors('produce failed', [new ProtocolError('RECORD_LIST_TOO_LARGE')]), 'split', 'too_large'],
    [new ProtocolError('TOPIC_AUTHORIZATION_FAILED'), 'dead-letter', 'refused'],
    [new AuthenticationError('SASL handshake refused'), 'dead-letter', 'refused'],
    [new ProtocolError('CORRUPT_MESSAGE'), 'dead-letter', 'refused'],
  ])('%s → %s (%s)', (error, kind, reason) => {
    const answer = kafkaRefusal(error);
    expect(answer).toBeDefined();
    expect(classifyAnswer(answer!)).toMatchObject({ kind, reason });
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
