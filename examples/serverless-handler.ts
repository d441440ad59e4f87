/**
 * A serverless handler (AWS Lambda style) wrapped in withLogFlush: each invocation is an execution,
 * and everything it logged is delivered before the handler's promise settles, because the platform may
 * freeze the sandbox right after. A failing invocation releases its held DEBUG history first.
 *   npx tsx examples/serverless-handler.ts
 */
import { logs, SeverityNumber } from '@opentelemetry/api';
import { registerLogPipeline, withLogFlush } from '../src/index.js';

const pipeline = registerLogPipeline({ handleProcessEvents: false });
const logger = logs.getLogger('orders-fn');

export const handler = withLogFlush(
  async (event: { orderId: string; fail?: boolean }) => {
    logger.emit({ severityNumber: SeverityNumber.DEBUG, body: `validating ${event.orderId}` });
    if (event.fail) throw new Error(`order ${event.orderId} rejected`);
    logger.emit({ severityNumber: SeverityNumber.INFO, body: `order ${event.orderId} placed` });
    return { statusCode: 201 };
  },
  { fields: (event) => ({ attributes: { 'order.id': event.orderId } }) },
);

await handler({ orderId: 'o-1' });
await handler({ orderId: 'o-2', fail: true }).catch(() => {});
// Nothing is left to flush here: each invocation delivered its own records before returning.
const { console: consoleStats, deferred } = pipeline.stats();
process.stdout.write(`${JSON.stringify({ console: consoleStats, deferred })}\n`);
await pipeline.shutdown();
