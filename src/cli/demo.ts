/**
 * The demo: a small simulated shop service. Requests succeed or fail, handlers log at DEBUG and INFO,
 * one line carries a card number and a token. Everything goes through the full pipeline to the
 * embedded default sink unless OTEL_* variables point elsewhere: OTLP-JSON files and the spool under a new
 * temporary directory, named in the summary, so the demo leaves nothing in the user's directory.
 *
 * Run: npm run demo   (or: npx otel-logkit demo)
 */
import { logs, SeverityNumber } from '@opentelemetry/api';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { registerLogPipeline, runWithExecution, type LogkitStats } from '../index.js';

export const DEMO_USAGE = `usage: otel-logkit demo

Runs a small simulated shop service (20 requests, some failing) through the full pipeline and prints
what happened: sampled, deferred, redacted, exported. With no OTEL_* destination set, it writes OTLP-JSON
files and its spool under a new temporary directory it names, so it leaves nothing in this directory.

Exit codes: 0 when it ran, 2 on a usage or configuration error.
`;

export async function runDemo({ out, env = process.env }: { out: Writable; env?: NodeJS.ProcessEnv }): Promise<LogkitStats> {
  const demoEnv: NodeJS.ProcessEnv = { OTEL_SERVICE_NAME: 'demo-shop', ...env };
  const hasDestination = demoEnv.OTEL_LOGS_EXPORTER || demoEnv.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT || demoEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!hasDestination) {
    demoEnv.OTEL_LOGS_EXPORTER = 'file';
    if (!demoEnv.OTEL_LOGKIT_FILE_DIR || !demoEnv.OTEL_LOGKIT_SPOOL_DIR) {
      const dir = mkdtempSync(join(tmpdir(), 'otel-logkit-demo-'));
      demoEnv.OTEL_LOGKIT_FILE_DIR ||= dir;
      demoEnv.OTEL_LOGKIT_SPOOL_DIR ||= join(dir, 'spool');
    }
  }
  const pipeline = registerLogPipeline({ env: demoEnv, handleProcessEvents: false });
  const logger = logs.getLogger('shop.checkout');

  let failures = 0;
  for (let i = 1; i <= 20; i++) {
    const failing = i % 5 === 0;
    try {
      await runWithExecution({ userId: `user-${i}`, tags: ['#checkout'] }, async () => {
        logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: `loading cart for request ${i}` });
        logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'checkout started', attributes: { 'order.items': i % 4 } });
        logger.emit({
          severityNumber: SeverityNumber.DEBUG,
          severityText: 'DEBUG',
          body: 'charging card 4111 1111 1111 1111 with token=ghp_0123456789abcdefghijABCDEFGHIJ012345',
        });
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (failing) throw new Error(`payment gateway timeout on request ${i}`);
        logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'checkout finished' });
      });
    } catch (error) {
      failures++;
      logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: `request failed: ${(error as Error).message}` });
    }
  }
  await pipeline.shutdown();
  const stats = pipeline.stats();
  out.write(summarise(stats, failures, demoEnv));
  return stats;
}

function summarise(stats: LogkitStats, failures: number, env: NodeJS.ProcessEnv): string {
  const num = (section: string, key: string): number => {
    const value = stats[section]?.[key];
    return typeof value === 'number' ? value : value ? Object.values(value).reduce((a, b) => a + b, 0) : 0;
  };
  const destinations = Object.keys(stats).filter((name) => typeof stats[name]?.exported === 'number');
  const lines = [
    `otel-logkit demo — 20 requests, ${failures} failed`,
    `  emitted:              ${num('pipeline', 'received')}`,
    `  sampled out:          ${num('sampling', 'dropped')}`,
    `  deferred:             ${num('deferred', 'buffered')} held, ${num('deferred', 'flushed')} flushed on failure, ${num('deferred', 'discarded')} discarded on success`,
    `  redacted:             ${num('redaction', 'values')} values in ${num('redaction', 'records')} records`,
    ...destinations.map((d) => `  exported (${d}): ${' '.repeat(Math.max(0, 9 - d.length))}${num(d, 'exported')}, failed ${num(d, 'failed')}, dropped ${num(d, 'dropped')}`),
    env.OTEL_LOGS_EXPORTER === 'file' ? `  written to:           ${join(env.OTEL_LOGKIT_FILE_DIR ?? './otel-logs', 'logs.jsonl')}` : `  sent to:              ${env.OTEL_LOGS_EXPORTER ?? 'otlp'}`,
    '',
  ];
  return lines.join('\n');
}
