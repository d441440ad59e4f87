/**
 * One life of an audited service, the process the audit tests start and tamper with afterwards:
 * `crash-writer.ts <from> <count> <flushed> <end>` writes `count` audit records (severity, trace
 * context, typed attributes) through the pipeline configured by the environment; after `flushed` of
 * them it waits for a flush. `end`: 0 shuts down; 1 SIGKILLs itself right after the last emit; 2 just
 * returns, as a script that never calls shutdown() (the automatic flush at exit must sign the tail).
 */
import { context, SeverityNumber, trace, TraceFlags } from '@opentelemetry/api';
import { auditLogger, registerLogPipeline } from '../../../src/index.js';

const [from, count, flushed, end] = process.argv.slice(2).map(Number) as [number, number, number, number];
const pipeline = registerLogPipeline({ handleProcessEvents: end === 2 });
const audit = auditLogger('billing.audit', '1.4.0');
const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
for (let i = 0; i < count; i++) {
  if (i === flushed) await pipeline.forceFlush();
  const n = from + i;
  audit.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: `refund ${n} approved`,
    attributes: { 'refund.id': n, 'refund.amount': n + 0.5, 'refund.note': 'ok', approved: true },
    context: trace.setSpan(context.active(), span),
  });
}
if (end === 1) process.kill(process.pid, 'SIGKILL');
if (end === 0) await pipeline.shutdown();
