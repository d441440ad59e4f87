/**
 * A slow receiver, with and without adaptive request concurrency, beside the stock SDK in one run.
 * The receiver (this process) serves at most 2 requests at once, each in 20 ms, and answers 503 (in
 * 5 ms) beyond that, as an overloaded collector does; each pipeline (a child process) sends 20,000
 * standard records at once and shuts down. Reported: delivered records/s, requests refused with 503,
 * records lost, and the concurrency the receiver saw at its peak. Figures only, no pass/fail.
 *
 * Run: npm run bench -- delivery-arc
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../src/index.js';
import { standardRecord } from './standard-record.js';

const self = fileURLToPath(import.meta.url);
const RECORDS = 20_000;
const CAPACITY = 2;

async function run(variant: string, base: string): Promise<{ seconds: number; stats?: unknown }> {
  let provider: LoggerProvider;
  let stats: (() => unknown) | undefined;
  if (variant === 'stock') {
    const exporter = new OTLPLogExporter({ url: `${base}/v1/logs` });
    provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: RECORDS, maxExportBatchSize: 512 })] });
  } else {
    const pipeline = createLogPipeline({
      env: {
        OTEL_SERVICE_NAME: 'bench',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: base,
        OTEL_LOGKIT_MAX_IN_FLIGHT: '16',
        OTEL_LOGKIT_ADAPTIVE_CONCURRENCY: variant === 'arc' ? 'true' : 'false',
        OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '20',
        OTEL_LOGKIT_RETRY_MAX_BACKOFF: '500',
      },
    });
    provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
    stats = () => pipeline.stats().otlp;
  }
  const logger = provider.getLogger('bench.arc');
  const started = performance.now();
  for (let i = 0; i < RECORDS; i++) logger.emit(standardRecord(i));
  await provider.shutdown();
  return { seconds: (performance.now() - started) / 1000, stats: stats?.() };
}

function countRecords(body: Buffer): number {
  // Each LogRecord in our requests carries the body "order …": counting them is enough here.
  return body.toString('latin1').split('checked out by customer').length - 1;
}

async function main(): Promise<void> {
  let active = 0;
  let refusing = 0;
  let peak = 0;
  let refused = 0;
  let records = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      active++;
      peak = Math.max(peak, active);
      const busy = active > CAPACITY + refusing;
      if (busy) refusing++;
      setTimeout(
        () => {
          active--;
          if (busy) {
            refusing--;
            refused++;
            res.writeHead(503).end();
          } else {
            records += countRecords(Buffer.concat(chunks));
            res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          }
        },
        busy ? 5 : 20,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const names: Record<string, string> = { stock: 'stock SDK (BLRP + otlp-proto)', fixed: 'otel-logkit, 16 in flight, fixed', arc: 'otel-logkit, up to 16, adaptive (ARC)' };
  process.stdout.write(`\nslow receiver: ${CAPACITY} requests at once, 20 ms each, 503 beyond; ${RECORDS.toLocaleString('en-US')} records sent at once\n`);
  process.stdout.write(`${'pipeline'.padEnd(40)}${'delivered/s'.padStart(12)}${'503s'.padStart(8)}${'lost'.padStart(8)}${'peak concurrency'.padStart(18)}\n`);
  for (const variant of ['stock', 'fixed', 'arc']) {
    [active, peak, refused, records] = [0, 0, 0, 0];
    const child = fork(self, ['run', variant, base], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<{ seconds: number }>((resolve) => child.once('message', (m) => resolve(m as { seconds: number })));
    process.stdout.write(`${names[variant]!.padEnd(40)}${Math.round(records / result.seconds).toLocaleString('en-US').padStart(12)}${String(refused).padStart(8)}${String(RECORDS - records).padStart(8)}${String(peak).padStart(18)}\n`);
  }
  server.closeAllConnections();
  server.close();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'run') {
  process.send!(await run(args[0]!, args[1]!));
  process.exit(0);
} else await main();
