/**
 * A separate process for the fault tests, driven line by line on stdin with the whole pipeline and a
 * spool (configured by its environment). Each command answers with one line on stdout:
 * - `emit <count> <bodyBytes> <prefix>`: logs `<prefix> <i>` records (padded to bodyBytes), yielding
 *   to the event loop every 50 records → `ok`
 * - `sleep <ms>` → `ok`
 * - `flush` / `shutdown`: answers `flushed <ms>` / `shut <ms>`, or `hung` if it did not resolve within
 *   twice the flush timeout (the bound the pipeline promises is the flush timeout itself)
 * - `stats` → the otlp section of stats() as JSON
 * - `exit <count> <prefix>`: logs `<prefix> <i>` records and calls process.exit(0) in the same turn
 * After `shutdown` the process is left to end on its own: a timer or socket left behind keeps it up.
 *
 * Mode `stream <prefix>` instead logs `<prefix> <i>` records without end, writing `<i> <ms since epoch>`
 * before each round of 10, until it is killed.
 */
import { createInterface } from 'node:readline';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../../src/index.js';

const pipeline = createLogPipeline({ env: { ...process.env, OTEL_LOGS_EXPORTER: 'otlp' } });
const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
const logger = provider.getLogger('fault.test');
const flushTimeoutMs = Number(process.env.OTEL_BLRP_EXPORT_TIMEOUT ?? 30_000);
// INFO and above: the default thresholds keep them all, so every record reaches the destination.
const severities = [SeverityNumber.INFO, SeverityNumber.WARN, SeverityNumber.ERROR];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function timed(work: Promise<unknown>, label: string): Promise<string> {
  const started = performance.now();
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    guard = setTimeout(() => resolve('hung'), 2 * flushTimeoutMs);
  });
  const result = await Promise.race([work.then(() => `${label} ${Math.round(performance.now() - started)}`), hung]);
  clearTimeout(guard);
  return result;
}

if (process.argv[2] === 'stream') {
  const prefix = process.argv[3];
  // The spool's window holds once delivery is running: a flush answers when the delivery worker is up
  // (until then, records wait in memory; the README states this startup window).
  await pipeline.forceFlush();
  // A busy service (10 records a millisecond), not a loop that logs as fast as the CPU allows: the
  // window is a promise for a delivery worker that keeps up (what it is behind shows as delivery_thread.in_transfer).
  for (let n = 0; ; ) {
    process.stdout.write(`${n} ${Date.now()}\n`);
    for (let i = 0; i < 10; i++, n++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `${prefix} ${n}` });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
} else {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, ...args] = line.trim().split(' ');
    let answer = 'ok';
    switch (command) {
      case 'emit': {
        const [count, bodyBytes, prefix] = [Number(args[0]), Number(args[1]), args[2]];
        for (let i = 0; i < count; i++) {
          const body = `${prefix} ${i} `;
          logger.emit({ severityNumber: severities[i % severities.length], body: body.padEnd(bodyBytes, '.') });
          if (i % 50 === 49) await tick();
        }
        break;
      }
      case 'sleep':
        await new Promise((resolve) => setTimeout(resolve, Number(args[0])));
        break;
      case 'flush':
        answer = await timed(pipeline.forceFlush(), 'flushed');
        break;
      case 'shutdown':
        answer = await timed(provider.shutdown(), 'shut');
        break;
      case 'stats':
        answer = JSON.stringify(pipeline.stats().otlp);
        break;
      case 'exit':
        for (let i = 0; i < Number(args[0]); i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `${args[1]} ${i}` });
        process.exit(0);
    }
    process.stdout.write(`${answer}\n`);
    if (command === 'shutdown') break;
  }
  lines.close();
}
