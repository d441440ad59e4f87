import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLING_ATTRIBUTES } from '../../../src/core/attributes.js';
import { decodeOtlpProtobuf, type OtlpLogRecord } from '../../exporters/receiver.js';

const child = fileURLToPath(new URL('./fixtures/backpressure-child.ts', import.meta.url));
/** How long the receiver answers 503 once the service is in its stride, and how long it watches the recovery. */
const OUTAGE_MS = 3000;
const AFTER_MS = 3000;
const SLICE_MS = 100;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ms = (r: OtlpLogRecord) => Number(BigInt(r.timeUnixNano ?? '0') / 1_000_000n);
const attribute = (r: OtlpLogRecord, key: string) => r.attributes?.find((a) => a.key === key)?.value;
const ratioOf = (r: OtlpLogRecord) => attribute(r, SAMPLING_ATTRIBUTES.ratio)?.doubleValue as number | undefined;

describe('adaptive sampling against a backend answering 503', () => {
  it('keeps every ERROR and every 100 ms of INFO through the outage, sheds less than it samples, and recovers within 2 s', async () => {
    // The outage is the receiver's: 503 from the first request after 500 ms of normal traffic, for
    // OUTAGE_MS. Accepted bodies are kept as they came and decoded at the end, so the receiver takes
    // little CPU from the service while it is measured (the machine has two cores).
    const outage: { firstAt?: number; start?: number; end?: number } = {};
    const accepted: Buffer[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        outage.firstAt ??= now;
        if (outage.start === undefined && now - outage.firstAt >= 500) outage.start = now;
        if (outage.start !== undefined && outage.end === undefined) {
          if (now - outage.start < OUTAGE_MS) return void res.writeHead(503).end();
          outage.end = now;
        }
        accepted.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;

    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      env: {
        ...process.env,
        RATE: '20000',
        OTEL_SERVICE_NAME: 'backpressure-test',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_LOGKIT_LEVEL: 'debug',
        OTEL_LOGKIT_QUEUE_MAX_BYTES: '4MiB',
        OTEL_BLRP_SCHEDULE_DELAY: '50',
        OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '20',
        OTEL_LOGKIT_RETRY_MAX_BACKOFF: '200',
        OTEL_LOGKIT_RETRY_MAX_ELAPSED: '60000',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanup.push(() => void proc.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));

    // The service logs on for AFTER_MS after the backend is back, then flushes what it holds.
    await until(() => outage.end !== undefined && Date.now() >= outage.end + AFTER_MS, 'the outage and the recovery', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; child stderr: ${stderr}`);
    });
    proc.stdin.write('stop\n');
    await until(() => stdout.includes('\n{'), 'the child to report its stats', 15_000);
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      emitted: number;
      peak: { bytes: number; records: number };
      stats: { sampling: { dropped: Record<string, number> }; otlp: { dropped: Record<string, number>; failed: number } };
    };

    const records = accepted.flatMap((body) => (decodeOtlpProtobuf(body).resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? [])));
    const { start, end } = outage as Required<typeof outage>;
    // Every ERROR the service logged arrived, once.
    const errors = new Set(records.filter((r) => r.severityNumber === SeverityNumber.ERROR).map((r) => r.body?.stringValue));
    expect(errors.size).toBe(Math.ceil(report.emitted / 20));

    // Every 100 ms slice of the outage in which the service logged (all its ERRORs arrived, so a slice
    // with none is one where a loaded machine did not run it) kept INFO records: at least 95% of them.
    const info = records.filter((r) => r.severityNumber === SeverityNumber.INFO);
    const sliceOf = (r: OtlpLogRecord) => Math.floor((ms(r) - start) / SLICE_MS);
    const inOutage = (s: number) => s >= 0 && s < Math.floor((end - start) / SLICE_MS);
    const logged = new Set(records.filter((r) => r.severityNumber === SeverityNumber.ERROR).map(sliceOf).filter(inOutage));
    const covered = new Set(info.map(sliceOf).filter((s) => logged.has(s)));
    const slices = logged.size;
    const coverage = covered.size / slices;

    // Sampling did the work: what the queue shed is less than what sampling held back.
    const backpressure = report.stats.sampling.dropped.backpressure ?? 0;
    const queueFull = report.stats.otlp.dropped.queue_full ?? 0;

    // Kept records say their ratio; only DEBUG and INFO are ever marked.
    const marked = records.filter((r) => ratioOf(r) !== undefined);

    // Full INFO flow: from when on are INFO records unmarked and numbered without a gap?
    const after = info.filter((r) => ms(r) >= end).sort((a, b) => ms(a) - ms(b));
    const n = (r: OtlpLogRecord) => Number(attribute(r, 'n')?.intValue);
    const seen = new Set(after.map(n));
    const lastN = Math.max(...seen);
    // The first INFO record after which none is marked and none is missing.
    let fullFrom = end;
    for (const r of after) if (ratioOf(r) !== undefined || (n(r) < lastN && !seen.has(n(r) + 1))) fullFrom = Math.max(fullFrom, ms(r) + 1);
    const inFullFlow = after.filter((r) => ms(r) >= fullFrom).length;

    console.log(
      `backpressure: ${report.emitted} emitted, queue peak ${report.peak.records} records / ${report.peak.bytes} bytes, ${errors.size} ERRORs delivered, INFO in ${covered.size}/${slices} slices (${(coverage * 100).toFixed(1)}%), ` +
        `dropped backpressure=${backpressure} queue_full=${queueFull} failed=${report.stats.otlp.failed}, ratios seen ${[...new Set(marked.map(ratioOf))].join(',')}, full INFO flow ${fullFrom - end} ms after recovery (${inFullFlow} INFO records since)`,
    );
    expect(coverage).toBeGreaterThanOrEqual(0.95);
    expect(backpressure).toBeGreaterThan(0);
    expect(queueFull).toBeLessThan(backpressure);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((r) => (r.severityNumber ?? 0) < SeverityNumber.WARN && ratioOf(r)! > 0 && ratioOf(r)! < 1)).toBe(true);
    expect(fullFrom - end).toBeLessThanOrEqual(2000);
    expect(inFullFlow).toBeGreaterThan(0);
  });
});
