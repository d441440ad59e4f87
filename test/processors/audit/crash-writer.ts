/**
 * A process the crash test kills: `crash-writer.ts <from> <count> <flushed> <die>` writes audit records
 * through the pipeline configured by the environment; after `flushed` of them it waits for a flush;
 * with `die` = 1 it then SIGKILLs itself right after the last emit (no shutdown), else shuts down.
 */
import { SeverityNumber } from '@opentelemetry/api';
import { auditLogger, registerLogPipeline } from '../../../src/index.js';

const [from, count, flushed, die] = process.argv.slice(2).map(Number) as [number, number, number, number];
const pipeline = registerLogPipeline({ handleProcessEvents: false });
const audit = auditLogger('billing.audit');
for (let i = 0; i < count; i++) {
  if (i === flushed) await pipeline.forceFlush();
  audit.emit({ severityNumber: SeverityNumber.INFO, body: `refund ${from + i} approved` });
}
if (die === 1) process.kill(process.pid, 'SIGKILL');
await pipeline.shutdown();
