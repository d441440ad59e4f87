/**
 * Hostile values, side by side with the stock SDK (BatchLogRecordProcessor + exporter-logs-otlp-proto,
 * gzip) in one run: records whose body is a 100k-key map, an array of 1e6 numbers, or a 5 MB string,
 * interleaved with ordinary records, sent to a loopback receiver (another process). Reported: the time
 * of each `emit()` (p99 and max over the hostile records) and the process's peak RSS, each pipeline in
 * a process of its own. Figures only, no pass/fail.
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
const EACH = 20;

function hostile(kind: number, i: number): LogRecord {
  switch (kind) {
    case 0: {
      const map: Record<string, number> = {};
      for (let k = 0; k < 100_000; k++) map[`key${k}`] = k;
      return { severityNumber: SeverityNumber.INFO, body: map as never };
    }
    case 1:
      return { severityNumber: SeverityNumber.INFO, body: Array.from({ length: 1_000_000 }, (_, k) => k + i) as never };
    default:
      return { severityNumber: SeverityNumber.INFO, body: 'x'.repeat(5 * 1024 * 1024 - (i % 7)) };
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

async function run(variant: string, base: string): Promise<{ p99: number; max: number; rssMb: number; perKind: number[] }> {
  const p = provider(variant, base);
  const logger = p.getLogger('bench.hostile');
  const times: number[] = [];
  const perKind = [0, 0, 0];
  for (let i = 0; i < EACH * 3; i++) {
    const kind = i % 3;
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
  return { p99: times[Math.floor(times.length * 0.99)]!, max: times.at(-1)!, rssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, perKind };
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
  const rows: Record<string, { p99: number; max: number; rssMb: number; perKind: number[] }> = {};
  for (const variant of ['stock', 'ours']) {
    const proc = child(['run', variant, base]);
    rows[variant] = await message(proc);
  }
  sink.kill();
  const stock = rows.stock!;
  process.stdout.write(`\nhostile values (${EACH} each of: 100k-key map body, 1e6-number array body, 5 MB string body; 100 ordinary records between)\n`);
  process.stdout.write(`${'pipeline'.padEnd(36)}${'emit p99 ms'.padStart(12)}${'emit max ms'.padStart(12)}${'map/array/string max ms'.padStart(26)}${'peak RSS MB'.padStart(13)}\n`);
  for (const [variant, r] of Object.entries(rows)) {
    const name = variant === 'stock' ? 'stock SDK (BLRP + otlp-proto)' : 'otel-logkit defaults';
    process.stdout.write(`${name.padEnd(36)}${r.p99.toFixed(2).padStart(12)}${r.max.toFixed(2).padStart(12)}${r.perKind.map((t) => t.toFixed(1)).join(' / ').padStart(26)}${r.rssMb.toFixed(0).padStart(13)}\n`);
  }
  const ours = rows.ours!;
  process.stdout.write(`ratios vs stock: emit p99 ${(ours.p99 / stock.p99).toFixed(2)}x, max ${(ours.max / stock.max).toFixed(2)}x, peak RSS ${(ours.rssMb / stock.rssMb).toFixed(2)}x (goal: p99 and RSS ≤ 1.5x)\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  process.send!(await run(args[0]!, args[1]!));
  process.exit(0);
} else await main();
