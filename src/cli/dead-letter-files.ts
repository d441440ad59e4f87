import { readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';

/**
 * One file of the dead-letter directory, as `exporters/delivery/dead-letter.ts` writes it: a batch a
 * backend refused for good, with the backend's answer and the records as an OTLP-JSON request.
 */
export interface DeadLetterEntry {
  /** The file's name inside the directory. */
  file: string;
  path: string;
  /** The destination that refused it: `loki`, `elasticsearch`, or a route target such as `loki_tenant_security`. */
  destination: string;
  time: string;
  /** The stable reason (`mapping_error`, `bad_request` …). */
  code: string;
  /** The human explanation. */
  reason: string;
  records: number;
  response?: { status?: number; contentType?: string; body?: string };
  /** The OTLP-JSON `ExportLogsServiceRequest`. */
  request: unknown;
}

/** The dead-letter files of `dir`, oldest first (their names start with the destination, then the time). */
export function listDeadLetterFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.json') && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort((a, b) => timeOf(a) - timeOf(b) || a.localeCompare(b));
}

/** Reads one entry; `file` is a name inside `dir` or a path. Throws a TypeError naming what is wrong. */
export function readDeadLetterEntry(dir: string, file: string): DeadLetterEntry {
  const path = isAbsolute(file) || file.includes('/') ? file : join(dir, file);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.destination !== 'string' || typeof parsed.request !== 'object') {
    throw new TypeError(`${path} is not a dead-letter file (expected destination, code, reason, records and request)`);
  }
  return {
    file: basename(path),
    path,
    destination: parsed.destination,
    time: String(parsed.time ?? ''),
    code: String(parsed.code ?? parsed.reason ?? 'unknown'),
    reason: String(parsed.reason ?? parsed.code ?? ''),
    records: Number(parsed.records ?? 0),
    response: parsed.response as DeadLetterEntry['response'],
    request: parsed.request,
  };
}

/** `<destination>-<epoch ms>-<id>.json` → the epoch ms (0 when the name has another form). */
function timeOf(name: string): number {
  const match = /-(\d{10,})-[^-]+\.json$/.exec(name);
  return match ? Number(match[1]) : 0;
}
