import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CORRELATION_ATTRIBUTES } from '../../core/attributes.js';
import { nanosOf, toEntry, type TimelineEntry } from './entry.js';
import type { ReadResult } from './source.js';

/** The OTLP-JSON shapes read here (camelCase, as the file exporter and the Collector write them). */
interface KeyValue {
  key?: unknown;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: unknown;
  intValue?: unknown;
  doubleValue?: unknown;
  boolValue?: unknown;
  bytesValue?: unknown;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface LogRecordJson {
  timeUnixNano?: unknown;
  observedTimeUnixNano?: unknown;
  severityNumber?: unknown;
  severityText?: unknown;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: unknown;
  spanId?: unknown;
}
interface ExportRequestJson {
  resourceLogs?: { resource?: { attributes?: KeyValue[] }; scopeLogs?: { logRecords?: LogRecordJson[] }[] }[];
}

/**
 * The records of one correlation id in the file output (`OTEL_LOGS_EXPORTER=file`): one OTLP-JSON
 * `ExportLogsServiceRequest` per line. `path` is a file, or the output directory, whose `*.jsonl` files
 * are read in name order (rotated `logs-<time>-<n>.jsonl`, then `logs.jsonl`). A line that does not hold
 * the id is skipped unparsed; a line that is not OTLP-JSON is counted, not fatal.
 */
export async function readFromFile(path: string, correlationId: string): Promise<ReadResult> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path))
        .filter((name) => name.endsWith('.jsonl'))
        .sort((a, b) => (a === 'logs.jsonl' ? 1 : b === 'logs.jsonl' ? -1 : a < b ? -1 : 1))
        .map((name) => join(path, name))
    : [path];
  const needle = JSON.stringify(correlationId).slice(1, -1);
  const entries: TimelineEntry[] = [];
  const notes: string[] = [];
  for (const file of files) {
    let unreadable = 0;
    const input = createReadStream(file);
    try {
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        if (!line.includes(needle)) continue;
        let request: ExportRequestJson;
        try {
          request = JSON.parse(line) as ExportRequestJson;
        } catch {
          unreadable++;
          continue;
        }
        collect(request, correlationId, entries);
      }
    } finally {
      input.destroy();
    }
    if (unreadable > 0) notes.push(`${file}: ${unreadable} line(s) holding the id are not JSON (skipped)`);
  }
  return { entries, notes };
}

function collect(request: ExportRequestJson, correlationId: string, out: TimelineEntry[]): void {
  for (const resourceLogs of arrayOf(request.resourceLogs)) {
    const resource = attributesOf(resourceLogs.resource?.attributes);
    for (const scopeLogs of arrayOf(resourceLogs.scopeLogs)) {
      for (const record of arrayOf(scopeLogs.logRecords)) {
        const attributes = attributesOf(record.attributes);
        if (attributes[CORRELATION_ATTRIBUTES.globalId] !== correlationId) continue;
        const time = nanosOf(record.timeUnixNano) || nanosOf(record.observedTimeUnixNano) || 0n;
        const all = { ...resource, ...attributes };
        out.push(
          toEntry(
            {
              time,
              severityNumber: typeof record.severityNumber === 'number' ? record.severityNumber : undefined,
              severity: typeof record.severityText === 'string' ? record.severityText : undefined,
              body: record.body === undefined ? '' : anyValueText(record.body),
              traceId: typeof record.traceId === 'string' ? record.traceId : undefined,
              spanId: typeof record.spanId === 'string' ? record.spanId : undefined,
            },
            (key) => all[key],
            attributes,
          ),
        );
      }
    }
  }
}

function arrayOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const kv of arrayOf(list)) if (typeof kv?.key === 'string') out[kv.key] = kv.value === undefined ? '' : anyValueText(kv.value);
  return out;
}

/** An OTLP-JSON AnyValue as one line of text: strings as they are, the rest as JSON. */
function anyValueText(value: AnyValue): string {
  const plain = anyValuePlain(value, 0);
  return typeof plain === 'string' ? plain : JSON.stringify(plain) ?? '';
}

function anyValuePlain(value: AnyValue | undefined, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (value.stringValue !== undefined) return String(value.stringValue);
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.bytesValue !== undefined) return String(value.bytesValue);
  if (value.arrayValue !== undefined) return arrayOf(value.arrayValue.values).map((v) => anyValuePlain(v, depth + 1));
  if (value.kvlistValue !== undefined) {
    const out: Record<string, unknown> = Object.create(null);
    for (const kv of arrayOf(value.kvlistValue.values)) if (typeof kv?.key === 'string') out[kv.key] = anyValuePlain(kv.value, depth + 1);
    return out;
  }
  return null;
}
