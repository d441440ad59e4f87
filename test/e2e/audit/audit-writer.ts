/**
 * One life of an audited service, run as a real child process by the audit e2e tests:
 * `audit-writer.ts <from> <count>` registers the pipeline from the environment, writes `count`
 * audit records numbered from `from` through `auditLogger`, shuts down and prints `done`.
 */
import { SeverityNumber } from '@opentelemetry/api';
import { auditLogger, registerLogPipeline } from '../../../src/index.js';

const [from, count] = process.argv.slice(2).map(Number) as [number, number];
const pipeline = registerLogPipeline();
const audit = auditLogger('billing.audit');
for (let i = from; i < from + count; i++) {
  audit.emit({
    severityNumber: SeverityNumber.INFO,
    body: `refund ${i} approved`,
    attributes: { 'refund.id': i, 'user.id': `u-${i % 3}`, 'user.email': 'ann@example.com', amount: i * 10 },
  });
}
await pipeline.shutdown();
process.stdout.write(`done ${JSON.stringify(pipeline.stats().audit)}\n`);
