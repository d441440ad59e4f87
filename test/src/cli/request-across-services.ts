import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline, runWithExecution, type StatsSection } from '../../../src/index.js';
import { newId } from '../../../src/core/ids.js';

/** A body an attacker controls: rendered anywhere but as text, it would run. */
export const HOSTILE_BODY = 'payment failed <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> \u001b[31mred\u001b[0m';

export interface EmittedRequest {
  globalId: string;
  /** What each service emitted, in the order of its sequence numbers. */
  checkout: string[];
  payments: string[];
  stats: Record<string, StatsSection>[];
}

/**
 * One request through two services, each with its own pipeline and LoggerProvider (as two processes
 * would have), written through the real SDK and the full pipeline with the given environment:
 *
 * - checkout (fails): `order received` INFO #1, `cart loaded` DEBUG #2 (held, then released as
 *   deferred when the execution fails), the hostile ERROR #3;
 * - payments (succeeds): `charge started` INFO #1, `card check` DEBUG #2 (held, then discarded when the
 *   execution succeeds: a sequence gap), `card declined` WARN #3.
 *
 * Times are explicit and interleave the two services; the deferred record keeps its own time.
 */
export async function emitRequestAcrossServices(env: Record<string, string>, runId = newId().slice(0, 8)): Promise<EmittedRequest> {
  const globalId = `req-${runId}-${newId().slice(0, 12)}`;
  const base = Date.now() - 2_000;
  const at = (ms: number): [number, number] => [Math.floor((base + ms) / 1000), ((base + ms) % 1000) * 1e6 + 123_000];
  const service = (name: string) => {
    const pipeline = createLogPipeline({ env: { ...env, OTEL_SERVICE_NAME: name } });
    const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
    return { pipeline, provider, logger: provider.getLogger(`${name}.handler`) };
  };
  const checkout = service('checkout');
  const payments = service('payments');
  try {
    runWithExecution({ globalId }, () => {
      checkout.logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order received', timestamp: at(0), attributes: { 'e2e.run': runId } });
      checkout.logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: 'cart loaded', timestamp: at(5), attributes: { 'e2e.run': runId } });
      checkout.logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: HOSTILE_BODY, timestamp: at(40), attributes: { 'e2e.run': runId } });
      throw new Error('payment failed');
    });
  } catch {
    // the failure releases the deferred DEBUG record
  }
  runWithExecution({ globalId }, () => {
    payments.logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'charge started', timestamp: at(12), attributes: { 'e2e.run': runId } });
    payments.logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: 'card check', timestamp: at(20), attributes: { 'e2e.run': runId } });
    payments.logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'card declined', timestamp: at(30), attributes: { 'e2e.run': runId } });
  });
  const stats: Record<string, StatsSection>[] = [];
  for (const s of [checkout, payments]) {
    await s.pipeline.forceFlush();
    stats.push(s.pipeline.stats());
    await s.provider.shutdown();
  }
  return { globalId, checkout: ['order received', 'cart loaded', HOSTILE_BODY], payments: ['charge started', 'card declined'], stats };
}
