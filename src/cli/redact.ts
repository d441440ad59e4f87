import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { SettingsReader } from '../core/env.js';
import { LogkitError } from '../core/errors.js';
import type { LogValue } from '../core/record.js';
import { parseRedactionConfig } from '../../processors/redaction/config.js';
import { opensPrivateKeyBlock } from '../../processors/redaction/detectors/private-key.js';
import { isOtlpLogs, redactOtlpLogs } from './redact-otlp-json.js';
import { Redactor } from '../../processors/redaction/redactor.js';
import { RedactionSummary } from '../../processors/redaction/summary.js';

const USAGE = `usage: otel-logkit redact [file]

Reads newline-delimited JSON (pino, bunyan, OTLP-JSON, any objects) from file or stdin and writes
each line redacted to stdout, with the rules of the OTEL_LOGKIT_REDACT_* variables. Lines that are
not JSON are redacted as plain text. A summary goes to stderr.
`;

/** Output is written in chunks of about this size rather than a write per line. */
const CHUNK = 64 * 1024;
const KEY_CONTINUATION = '[REDACTED:private_key]';

/**
 * `otel-logkit redact [file]`: the redaction processor's engine, defaults and environment
 * configuration applied to a log file. Returns the exit code: 0, also when lines are not JSON; 1 on
 * an I/O error; 2 on a usage or configuration error. `OTEL_LOGKIT_REDACT_ENABLED` is not consulted:
 * running the command is asking for redaction.
 *
 * @example
 * // OTEL_LOGKIT_REDACT_DETECTORS=phone npx otel-logkit redact app.log > app.redacted.log
 */
export async function runRedactCommand(args: string[], io: { stdin: Readable; stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv }): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (args.length > 1 || args.some((a) => a.startsWith('-') && a !== '-')) {
    io.stderr.write(USAGE);
    return 2;
  }
  let redactor: Redactor;
  let withSummary: boolean;
  try {
    const config = parseRedactionConfig(new SettingsReader(io.env));
    redactor = new Redactor(config);
    withSummary = config.summary;
  } catch (error) {
    io.stderr.write(`otel-logkit redact: ${error instanceof LogkitError ? error.message : String(error)}\n`);
    return 2;
  }
  const file = args[0] !== undefined && args[0] !== '-' ? args[0] : undefined;
  const input = file !== undefined ? createReadStream(file) : io.stdin;
  const output = new ChunkedWriter(io.stdout);
  const lines = new LineRedactor(redactor, withSummary);
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      await output.write(`${lines.redact(line)}\n`);
    }
    await output.end();
  } catch (error) {
    io.stderr.write(`otel-logkit redact: ${file ?? 'stdin/stdout'}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    if (file !== undefined) input.destroy();
  }
  io.stderr.write(`otel-logkit redact: ${lines.describe()}\n`);
  return 0;
}

/** Redacts one line at a time, remembering a private key block that spans plain-text lines. */
class LineRedactor {
  readonly total = new RedactionSummary();
  private lines = 0;
  private changed = 0;
  private inPrivateKey = false;

  constructor(
    private readonly redactor: Redactor,
    private readonly withSummary: boolean,
  ) {}

  redact(line: string): string {
    this.lines++;
    const out = this.redactLine(line);
    if (out !== line) this.changed++;
    return out;
  }

  describe(): string {
    const kinds = Object.entries(this.total.kinds).map(([kind, n]) => `${kind} ${n}`).join(', ');
    return `${this.total.count} values redacted in ${this.changed} of ${this.lines} lines${kinds ? ` (${kinds})` : ''}`;
  }

  private redactLine(line: string): string {
    const json = parseJson(line);
    if (json === undefined) return this.plain(line);
    this.inPrivateKey = false;
    const summary = new RedactionSummary();
    let out: unknown;
    if (isOtlpLogs(json.value)) {
      summary.merge(redactOtlpLogs(json.value, this.redactor, this.withSummary));
      out = json.value;
    } else out = this.redactor.redactValue(json.value as LogValue, summary);
    this.total.merge(summary);
    // Untouched lines are written as they came, keeping their formatting and large integers exact.
    return summary.count > 0 ? JSON.stringify(out, writeLargeIntegers) : line;
  }

  private plain(line: string): string {
    let rest = line;
    let prefix = '';
    if (this.inPrivateKey) {
      const end = line.indexOf('-----END ');
      if (end < 0) return KEY_CONTINUATION;
      this.inPrivateKey = false;
      const close = line.indexOf('-----', end + 9);
      prefix = KEY_CONTINUATION;
      rest = close < 0 ? '' : line.slice(close + 5);
    }
    const summary = new RedactionSummary();
    const out = this.redactor.redactValue(rest, summary) as string;
    this.total.merge(summary);
    if (opensPrivateKeyBlock(rest)) this.inPrivateKey = true;
    return prefix + out;
  }
}

/** The JSON value of a line, or undefined when the line is not JSON (then it is plain text). */
function parseJson(line: string): { value: unknown } | undefined {
  const first = line.trimStart()[0];
  if (first !== '{' && first !== '[' && first !== '"') return undefined;
  try {
    return { value: JSON.parse(line, keepLargeIntegers) };
  } catch {
    return undefined;
  }
}

/** Integers beyond 2^53 (ids, nanosecond timestamps) are read as bigint so a rewritten line keeps them exact. */
function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || context?.source === undefined || !/^-?\d+$/.test(context.source)) return value;
  return BigInt(context.source);
}

/** Writes bigints back as the JSON integers they were read from. */
function writeLargeIntegers(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(value.toString()) : value;
}

/** Buffers output and honours back-pressure; a failed stream (EPIPE …) rejects instead of hanging. */
class ChunkedWriter {
  private buffer = '';
  private failure: Error | undefined;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= CHUNK) await this.flush();
  }

  async end(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.buffer;
    this.buffer = '';
    if (chunk === '') return;
    await new Promise<void>((resolve, reject) => {
      this.stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  }
}
