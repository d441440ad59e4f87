/**
 * Hostile values, side by side with the stock SDK (BatchLogRecordProcessor + exporter-logs-otlp-proto,
 * gzip) in one run: records whose body is a 100k-key map, an array of 1e6 numbers, a 5 MB string, an
 * object nested 10,000 deep, or that carry 1,000 attributes, interleaved with ordinary records, sent
 * to a loopback receiver (another process). Reported: the time of each `emit()` (p50, p99 and max
 * over the hostile records, and the max per kind) and the process's peak RSS, each pipeline in a
 * process of its own. Figures only, no pass/fail.
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

function provider(variant: string, base: string): LoggerProvider {
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
  perKind: number[];
}

async function run(variant: string, base: string): Promise<Row> {
  const p = provider(variant, base);
  const logger = p.getLogger('bench.hostile');
  const times: number[] = [];
  const perKind = KINDS.map(() => 0);
  for (let i = 0; i < EACH * KINDS.length; i++) {
    const kind = i % KINDS.length;
    // The value is built before the clock starts: only emit() is timed.
    const record = hostile(kind, i);
    const started = performance.now();
    logger.emit(record);
    const took = performance.now() - started;
    times.push(took);
    perKind[kind] = Math.max(perKind[kind]!, took);
    for (let j = 0; j < 100; j++) logger.emit(standardRecord(j));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await p.shutdown();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, max: times.at(-1)!, rssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, perKind };
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
  for (const variant of ['stock', 'ours']) {
    const proc = child(['run', variant, base]);
    rows[variant] = await message(proc);
  }
  sink.kill();
  const stock = rows.stock!;
  process.stdout.write(
    `\nhostile values (${EACH} each of: 100k-key map body, 1e6-number array body, 5 MB string body, body nested 10,000 deep, 1,000 attributes; 100 ordinary records between)\n`,
  );
  const perKind = `${KINDS.join('/')} max ms`;
  process.stdout.write(`${'pipeline'.padEnd(32)}${'emit p50 ms'.padStart(12)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${perKind.padStart(40)}${'peak RSS MB'.padStart(13)}\n`);
  for (const [variant, r] of Object.entries(rows)) {
    const name = variant === 'stock' ? 'stock SDK (BLRP + otlp-proto)' : 'otel-logkit defaults';
    const kinds = r.perKind.map((t) => t.toFixed(1)).join(' / ');
    process.stdout.write(`${name.padEnd(32)}${r.p50.toFixed(2).padStart(12)}${r.p99.toFixed(2).padStart(9)}${r.max.toFixed(2).padStart(9)}${kinds.padStart(40)}${r.rssMb.toFixed(0).padStart(13)}\n`);
  }
  const ours = rows.ours!;
  const ratio = (key: 'p50' | 'p99' | 'max' | 'rssMb'): string => `${(ours[key] / stock[key]).toFixed(2)}x`;
  process.stdout.write(`ratios vs stock: emit p50 ${ratio('p50')}, p99 ${ratio('p99')}, max ${ratio('max')}, peak RSS ${ratio('rssMb')} (goal: p99 and RSS ≤ 1.5x)\n`);
  const kindRatios = KINDS.map((kind, k) => `${kind} ${(ours.perKind[k]! / stock.perKind[k]!).toFixed(1)}x`).join(', ');
  process.stdout.write(`max per kind vs stock: ${kindRatios}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  process.send!(await run(args[0]!, args[1]!));
  process.exit(0);
} else await main();
