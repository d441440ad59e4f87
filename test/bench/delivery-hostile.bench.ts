/**
 * Hostile values, side by side with the stock SDK (BatchLogRecordProcessor + exporter-logs-otlp-proto,
 * gzip) in one run: records whose body is a 100k-key map, an array of 1e6 numbers, a 5 MB string, an
 * object nested 10,000 deep, or that carry 1,000 attributes, interleaved with ordinary records, sent
 * to a loopback receiver (another process). Reported: the time of each `emit()` (p50, p99 and max
 * over the hostile records, and median and max per kind) and the process's peak RSS, each pipeline in
 * a process of its own; a third row is the floor, the SDK with only the key walk or cut any copy must
 * do. Figures only, no pass/fail.
 *
 * Run: npm run bench -- delivery-hostile
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SeverityNumber, type LogRecord } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../src/index.js';
import { standardRecord } from './standard-record.js';

const self = fileURLToPath(import.meta.url);
const sinkScript = fileURLToPath(new URL('./delivery.bench.ts', import.meta.url));
const EACH = 40;
const KINDS = ['map', 'array', 'string', 'deep', 'attrs'];

function hostile(kind: number, i: number): LogRecord {
  switch (kind) {
    case 0: {
      const map: Record<string, number> = {};
      for (let k = 0; k < 100_000; k++) map[`key${k}`] = k;
      return { severityNumber: SeverityNumber.INFO, body: map as never };
    }
    case 1:
      return { severityNumber: SeverityNumber.INFO, body: Array.from({ length: 1_000_000 }, (_, k) => k + i) as never };
    case 2:
      return { severityNumber: SeverityNumber.INFO, body: 'x'.repeat(5 * 1024 * 1024 - (i % 7)) };
    case 3: {
      let deep: Record<string, unknown> = { leaf: i };
      for (let d = 0; d < 10_000; d++) deep = { next: deep };
      return { severityNumber: SeverityNumber.INFO, body: deep as never };
    }
    default: {
      // The SDK keeps the first OTEL_ATTRIBUTE_COUNT_LIMIT (128) of them, for both pipelines.
      const attributes: Record<string, string> = {};
      for (let a = 0; a < 1_000; a++) attributes[`app.field_${a}`] = `value ${a} of record ${i}`;
      return { severityNumber: SeverityNumber.INFO, body: 'many attributes', attributes };
    }
  }
}

/**
 * The least any copy at emit() must do, to show what no pipeline can go below: enumerate a map's
 * keys (V8 materialises every key even for a `for...in` that stops at the first), cut an array or a
 * string (a string built by concatenation or `repeat` is flattened whole by the first cut).
 */
const floorProcessor = {
  onEmit(record: { body?: unknown }): void {
    const body = record.body;
    if (typeof body === 'string') body.slice(0, 256 * 1024);
    else if (Array.isArray(body)) body.slice(0, 10_000);
    else if (typeof body === 'object' && body !== null) for (const key in body) if (key) break;
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

const VARIANTS: Record<string, string> = {
  stock: 'stock SDK (BLRP + otlp-proto)',
  ours: 'otel-logkit defaults',
  floor: 'floor: SDK + bare key walk/cut',
};

function provider(variant: string, base: string): LoggerProvider {
  if (variant === 'floor') return new LoggerProvider({ processors: [floorProcessor] });
  if (variant === 'stock') {
    const exporter = new OTLPLogExporter({ url: `${base}/v1/logs`, compression: 'gzip' as never });
    return new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  }
  const pipeline = createLogPipeline({ env: { OTEL_SERVICE_NAME: 'bench', OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } });
  return new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
}

interface Row {
  p50: number;
  p99: number;
  max: number;
  rssMb: number;
  /** Median and max emit() time per kind. */
  kindP50: number[];
  kindMax: number[];
}

const at = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

async function run(variant: string, base: string): Promise<Row> {
  const p = provider(variant, base);
  const logger = p.getLogger('bench.hostile');
  const times: number[] = [];
  const byKind: number[][] = KINDS.map(() => []);
  for (let i = 0; i < EACH * KINDS.length; i++) {
    const kind = i % KINDS.length;
    // The value is built before the clock starts: only emit() is timed.
    const record = hostile(kind, i);
    const started = performance.now();
    logger.emit(record);
    const took = performance.now() - started;
    times.push(took);
    byKind[kind]!.push(took);
    for (let j = 0; j < 100; j++) logger.emit(standardRecord(j));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await p.shutdown();
  const sorted = (list: number[]): number[] => list.sort((a, b) => a - b);
  sorted(times);
  byKind.forEach(sorted);
  return {
    p50: at(times, 0.5),
    p99: at(times, 0.99),
    max: times.at(-1)!,
    rssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    kindP50: byKind.map((list) => at(list, 0.5)),
    kindMax: byKind.map((list) => list.at(-1)!),
  };
}

function child(args: string[], script = self): ChildProcess {
  return fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function message<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve) => proc.once('message', (m) => resolve(m as T)));
}

async function main(): Promise<void> {
  const sink = child(['sink', '0'], sinkScript);
  const { port } = await message<{ port: number }>(sink);
  const base = `http://127.0.0.1:${port}`;
  const rows: Record<string, Row> = {};
  for (const variant of Object.keys(VARIANTS)) {
    const proc = child(['run', variant, base]);
    rows[variant] = await message(proc);
  }
  sink.kill();
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`\nhostile values (${EACH} each of: 100k-key map body, 1e6-number array body, 5 MB string body, body nested 10,000 deep, 1,000 attributes; 100 ordinary records between)`);
  out(`${'pipeline'.padEnd(32)}${'emit p50 ms'.padStart(12)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'peak RSS MB'.padStart(13)}`);
  for (const [variant, r] of Object.entries(rows)) {
    out(`${VARIANTS[variant]!.padEnd(32)}${r.p50.toFixed(2).padStart(12)}${r.p99.toFixed(2).padStart(9)}${r.max.toFixed(2).padStart(9)}${r.rssMb.toFixed(0).padStart(13)}`);
  }
  const stock = rows.stock!;
  const ours = rows.ours!;
  const ratio = (key: 'p50' | 'p99' | 'max' | 'rssMb'): string => `${(ours[key] / stock[key]).toFixed(2)}x`;
  out(`ratios vs stock: emit p50 ${ratio('p50')}, p99 ${ratio('p99')}, max ${ratio('max')}, peak RSS ${ratio('rssMb')} (goal: p99 and RSS ≤ 1.5x)`);
  out(`\nper kind, emit ms p50 / max${' '.repeat(8)}${Object.keys(VARIANTS).map((v) => v.padStart(16)).join('')}`);
  KINDS.forEach((kind, k) => {
    const cells = Object.values(rows).map((r) => `${r.kindP50[k]!.toFixed(2)} / ${r.kindMax[k]!.toFixed(1)}`.padStart(16));
    out(`${kind.padEnd(36)}${cells.join('')}`);
  });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  process.send!(await run(args[0]!, args[1]!));
  process.exit(0);
} else await main();
