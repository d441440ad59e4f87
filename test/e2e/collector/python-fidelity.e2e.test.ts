import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OtlpLogRecord } from '../../exporters/receiver.js';
import { checkEveryRecord, expectAttributes, type FidelityCollector, startFidelityCollector, valuesOf } from '../../src/collector/fidelity.js';
import { ensureInstalled } from '../harness/install.js';

// A sender nobody here wrote: the OpenTelemetry Python SDK from PyPI (test/e2e/scripts/install-python-otel.sh),
// over OTLP/HTTP protobuf and OTLP/gRPC, into a real collector writing to an OTLP backend and to the file exporter.

const run = promisify(execFile);
const SENDER = fileURLToPath(new URL('./python-sender.py', import.meta.url));
const COUNT = 500;

let python: string;
let running: FidelityCollector | undefined;
beforeAll(async () => {
  python = await ensureInstalled('python-otel');
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const base64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');
const int = (value: bigint | number): { intValue: string } => ({ intValue: String(value) });

/** What python-sender.py's `attributes(i)` becomes in the OTLP/JSON form: every double a double, whole or not. */
function expected(i: number): Record<string, unknown> {
  return {
    'ratio.whole': { doubleValue: 1 },
    'ratio.negative_zero': { doubleValue: 0 }, // -0 in JSON; checked as -0 on the protobuf side below
    'ratio.fraction': { doubleValue: i + 0.25 },
    'ratio.whole_beyond_2_53': { doubleValue: 2 ** 53 + 2 * i },
    'amount.whole': { doubleValue: i },
    'order.id': int(2n ** 62n + BigInt(i)),
    'id.min': int(-(2n ** 63n)),
    count: int(i),
    flag: { boolValue: i % 2 === 0 },
    payload: { bytesValue: base64([0, 1, 254, 255, i % 256]) },
    'payload.empty': { bytesValue: '' },
    'text.empty': { stringValue: '' },
    'text.unicode': { stringValue: 'ünïcödé ✓ 日本 🎉' },
    'list.ints': { arrayValue: { values: [int(1), int(2), int(2n ** 62n + BigInt(i))] } },
    'list.doubles': { arrayValue: { values: [{ doubleValue: 1 }, { doubleValue: 2.5 }] } },
    'list.empty': { arrayValue: { values: [] } },
    'map.nested': {
      kvlistValue: {
        values: [
          { key: 'ratio', value: { doubleValue: 100 } },
          { key: 'inner', value: { kvlistValue: { values: [{ key: 'id', value: int(2n ** 60n + BigInt(i)) }, { key: 'raw', value: { bytesValue: base64([0, 1]) } }] } } },
        ],
      },
    },
    'map.empty': { kvlistValue: { values: [] } },
    // Sanitized by the collector's redaction: the password goes, the host stays.
    'db.connection_string': { stringValue: 'redis://app:[REDACTED:url_credentials]@orders-primary:6379/0' },
  };
}

function indexOf(record: OtlpLogRecord): number {
  const body = valuesOf([{ key: 'body', value: record.body }]).body as { stringValue?: string; kvlistValue?: { values: { value: { stringValue?: string } }[] } };
  const text = body.stringValue ?? body.kvlistValue?.values[0]?.value.stringValue ?? '';
  return Number(/^record (\d+)$/.exec(text)?.[1] ?? NaN);
}

describe('collector fidelity with the OpenTelemetry Python SDK as the sender', () => {
  for (const protocol of ['http', 'grpc'] as const) {
    it(`over ${protocol === 'http' ? 'OTLP/HTTP protobuf' : 'OTLP/gRPC'}: every record, every value with its type, at the OTLP and file destinations`, async () => {
      running = await startFidelityCollector();
      const endpoint = protocol === 'http' ? running.url : running.info.grpcEndpoint!;
      await run(python, [SENDER, protocol, endpoint, String(COUNT)], { timeout: 60_000 });
      await running.delivered(COUNT);
      const seen = { otlp: new Set<number>(), file: new Set<number>() };
      const fields = checkEveryRecord(running, COUNT, (record, destination) => {
        const i = indexOf(record);
        seen[destination as keyof typeof seen].add(i);
        const where = `${destination} record ${i}`;
        // DEBUG outside a trace passes: the collector has no threshold of its own by default.
        expect(record.severityNumber, where).toBe(i % 5 === 0 ? 5 : 9);
        expect(valuesOf([{ key: 'body', value: record.body }]).body, where).toEqual(
          i % 2
            ? { kvlistValue: { values: [{ key: 'message', value: { stringValue: `record ${i}` } }, { key: 'weight', value: { doubleValue: 3 } }] } }
            : { stringValue: `record ${i}` },
        );
        return expectAttributes(record, expected(i), where) + 2;
      });
      expect([seen.otlp.size, seen.file.size]).toEqual([COUNT, COUNT]);
      // JSON cannot say -0; protobuf can, and it arrives as sent.
      for (const record of running.backend.records) {
        const zero = record.attributes!.find((kv) => kv.key === 'ratio.negative_zero')!.value as { doubleValue: number };
        expect(Object.is(zero.doubleValue, -0)).toBe(true);
      }
      const resource = valuesOf(running.backend.received[0]!.request.resourceLogs![0]!.resource!.attributes);
      expect(resource['host.cpu.ratio']).toEqual({ doubleValue: 1 });
      expect(fields).toBe(2 * COUNT * (Object.keys(expected(0)).length + 2));
      console.log(`python ${protocol}: ${COUNT} records, ${fields} fields checked at two destinations`);
    });
  }
});
