import { SeverityNumber } from '@opentelemetry/api';
import type { AnyValueMap } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkEveryRecord, expectAttributes, type FidelityCollector, startFidelityCollector, valuesOf } from './fidelity.js';

let running: FidelityCollector | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const COUNT = 20;
const base64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

/** What record i carries, as the stock JS SDK takes it (it has no whole-number doubles and no int64 beyond 2^53: a JS number is an int when whole). */
function sent(i: number): AnyValueMap {
  return {
    count: i,
    'order.id': 4111111111111111, // passes Luhn with a Visa prefix: an id, not a card, under this key
    'ratio.fraction': i + 0.25,
    'ratio.negative': -1.5,
    flag: i % 2 === 0,
    payload: new Uint8Array([0, 1, 254, 255, i]),
    'text.empty': '',
    'text.unicode': 'ünïcödé ✓ 日本 🎉',
    'list.ints': [1, 2, Number.MAX_SAFE_INTEGER],
    'list.mixed': ['a', 1, 0.5, true],
    'list.empty': [],
    'map.nested': { ratio: 0.5, inner: { id: i, raw: new Uint8Array([9]) } },
    'map.empty': {},
    'db.connection_string': `redis://app:pw-${i}@orders-primary:6379/0`,
  };
}

/** The same values in the OTLP/JSON form both destinations are compared in. */
function expected(i: number): Record<string, unknown> {
  return {
    count: { intValue: String(i) },
    'order.id': { intValue: '4111111111111111' },
    'ratio.fraction': { doubleValue: i + 0.25 },
    'ratio.negative': { doubleValue: -1.5 },
    flag: { boolValue: i % 2 === 0 },
    payload: { bytesValue: base64([0, 1, 254, 255, i]) },
    'text.empty': { stringValue: '' },
    'text.unicode': { stringValue: 'ünïcödé ✓ 日本 🎉' },
    'list.ints': { arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }, { intValue: String(Number.MAX_SAFE_INTEGER) }] } },
    'list.mixed': { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { doubleValue: 0.5 }, { boolValue: true }] } },
    'list.empty': { arrayValue: { values: [] } },
    'map.nested': {
      kvlistValue: {
        values: [
          { key: 'ratio', value: { doubleValue: 0.5 } },
          { key: 'inner', value: { kvlistValue: { values: [{ key: 'id', value: { intValue: String(i) } }, { key: 'raw', value: { bytesValue: base64([9]) } }] } } },
        ],
      },
    },
    'map.empty': { kvlistValue: { values: [] } },
    // Sanitized by redaction, not blanked: the host stays.
    'db.connection_string': { stringValue: 'redis://app:[REDACTED:url_credentials]@orders-primary:6379/0' },
  };
}

async function send(exporter: JsonExporter | ProtoExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'stock-js-sender', 'host.cpu.ratio': 0.5 }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('fidelity');
  for (let i = 0; i < COUNT; i++) {
    // DEBUG outside a trace on every fifth record: a collector passes what its senders send.
    const severityNumber = i % 5 === 0 ? SeverityNumber.DEBUG : SeverityNumber.INFO;
    logger.emit({ severityNumber, body: i % 2 ? { message: `record ${i}`, weight: 2.5 } : `record ${i}`, attributes: sent(i) });
  }
  await provider.shutdown();
}

describe('collector fidelity with the stock JS exporters', () => {
  for (const [name, make] of [
    ['http/protobuf (exporter-logs-otlp-proto)', (url: string) => new ProtoExporter({ url })],
    ['http/json (exporter-logs-otlp-http)', (url: string) => new JsonExporter({ url })],
  ] as const) {
    it(`${name}: every record, every value with its type, at the OTLP and file destinations`, async () => {
      running = await startFidelityCollector();
      await send(make(running.url));
      await running.delivered(COUNT);
      const fields = checkEveryRecord(running, COUNT, (record, destination, i) => {
        const where = `${destination} record ${i}`;
        expect(record.severityNumber, where).toBe(i % 5 === 0 ? SeverityNumber.DEBUG : SeverityNumber.INFO);
        expect(record.body, where).toEqual(
          i % 2
            ? { kvlistValue: { values: [{ key: 'message', value: { stringValue: `record ${i}` } }, { key: 'weight', value: { doubleValue: 2.5 } }] } }
            : { stringValue: `record ${i}` },
        );
        return expectAttributes(record, expected(i), where) + 2;
      });
      const resource = running.backend.received[0]!.request.resourceLogs![0]!.resource!.attributes;
      expect(valuesOf(resource)['host.cpu.ratio']).toEqual({ doubleValue: 0.5 });
      expect(fields).toBe(2 * COUNT * (Object.keys(expected(0)).length + 2));
    });
  }
});
