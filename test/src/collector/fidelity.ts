import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { KeyValue, OtlpLogRecord, OtlpRequest } from '../../exporters/receiver.js';
import { type CollectorUnderTest, startCollector, until } from './harness.js';

/**
 * A collector writing every record to two destinations: OTLP/protobuf to the loopback backend and
 * OTLP/JSON lines to the file exporter — what a sender's values look like after each encoder.
 */
export interface FidelityCollector extends CollectorUnderTest {
  /** Records in `logs.jsonl` so far, as the file exporter wrote them. */
  fileRecords(): OtlpLogRecord[];
  /** Resolves once both destinations hold `count` records. */
  delivered(count: number): Promise<void>;
}

export async function startFidelityCollector(): Promise<FidelityCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'collector-fidelity-'));
  const running = await startCollector({ OTEL_LOGS_EXPORTER: 'otlp,file', OTEL_LOGKIT_FILE_DIR: dir });
  const fileRecords = (): OtlpLogRecord[] => {
    let text = '';
    try {
      text = readFileSync(join(dir, 'logs.jsonl'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.endsWith('}'))
      .flatMap((line) => ((JSON.parse(line) as OtlpRequest).resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? [])));
  };
  return {
    ...running,
    fileRecords,
    async delivered(count) {
      await until(() => running.backend.records.length >= count && fileRecords().length >= count, `${count} records at both destinations`);
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `key → AnyValue` of a KeyValue list, in the OTLP/JSON form (JSON has no -0: both destinations compare alike). */
export function valuesOf(list: readonly KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, JSON.parse(JSON.stringify(kv.value ?? {})) as unknown]));
}

/**
 * Checks each expected attribute of `record`, one assertion per field so a failure names the key, and
 * that nothing else was added but redaction's summary. Returns how many fields it checked.
 */
export function expectAttributes(record: OtlpLogRecord, expected: Record<string, unknown>, where: string): number {
  const actual = valuesOf(record.attributes);
  for (const [key, value] of Object.entries(expected)) expect(actual[key], `${where}: ${key}`).toEqual(value);
  const extra = Object.keys(actual).filter((key) => !(key in expected) && !key.startsWith('redaction.'));
  expect(extra, `${where}: unexpected attributes`).toEqual([]);
  return Object.keys(expected).length;
}

/**
 * Runs `check` on every record at both destinations, each of which must hold exactly `count`
 * (position: the record's place at its destination). Returns the sum of what `check` returns.
 */
export function checkEveryRecord(running: FidelityCollector, count: number, check: (record: OtlpLogRecord, destination: string, position: number) => number): number {
  let fields = 0;
  for (const [destination, records] of [
    ['otlp', running.backend.records],
    ['file', running.fileRecords()],
  ] as const) {
    expect(records).toHaveLength(count);
    records.forEach((record, position) => {
      fields += check(record, destination, position);
    });
  }
  return fields;
}
