import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { OtlpProtocol } from '../../../exporters/otlp/protocol.js';
import { deliverySettings, record, stageContext } from '../../exporters/records.js';
import { LoopbackReceiver } from '../../exporters/receiver.js';

let receiver: LoopbackReceiver | undefined;
afterEach(async () => receiver?.close());

describe('audit records when a queue must shed', () => {
  it('are the last to go: a full queue without a spool gives up DEBUG and ERROR records before a DEBUG audit record', async () => {
    receiver = await LoopbackReceiver.start();
    const ctx = stageContext();
    const stage = createHttpDestination(
      {
        name: 'otlp',
        protocol: new OtlpProtocol('http/protobuf', 'none'),
        endpoint: new URL(receiver.url),
        http: { headers: {}, timeoutMs: 2000, tls: {} },
        delivery: deliverySettings({ OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100' }),
      },
      ctx,
    );
    for (let i = 0; i < 40; i++) stage.write(record(`audit ${i}`, SeverityNumber.DEBUG, { 'log.type': 'audit' }));
    for (let i = 0; i < 60; i++) stage.write(record(`error ${i}`, SeverityNumber.ERROR));
    for (let i = 0; i < 30; i++) stage.write(record(`audit ${40 + i}`, SeverityNumber.DEBUG, { 'log.type': 'audit' }));
    await stage.shutdown();
    const bodies = receiver.records.map((r) => String((r.body as { stringValue?: string })?.stringValue ?? r.body));
    expect(bodies.filter((b) => b.startsWith('audit'))).toHaveLength(70);
    expect(ctx.stats.snapshot().otlp).toMatchObject({ dropped: { queue_full: 30 }, exported: 100 });
  });
});
