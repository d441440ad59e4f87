/**
 * An Express service with correlation: every request runs in its own execution, so each record it
 * logs carries `correlation.global_id` (returned to the caller in `x-correlation-id`), a local id, a
 * sequence number, the caller's `x-request-id`, the user (from `x-user-id`) and the `#orders` tag —
 * without the handlers passing anything around. A 5xx marks the execution failed.
 *
 * Run:  OTEL_LOGS_EXPORTER=console PORT=3000 npx tsx examples/express-service.ts
 * Try:  curl -i -H 'x-request-id: my-ref' -H 'x-user-id: u-42' http://127.0.0.1:3000/stock/42
 */
import type { AddressInfo } from 'node:net';
import { logs, SeverityNumber } from '@opentelemetry/api';
import express from 'express';
import { correlationMiddleware, registerLogPipeline } from '../src/index.js';

const pipeline = registerLogPipeline({ env: { OTEL_SERVICE_NAME: 'stock-express', ...process.env }, handleProcessEvents: false });
const logger = logs.getLogger('stock.http');

const app = express();
// First middleware: everything after it runs inside the request's execution.
app.use(correlationMiddleware<express.Request>({ extract: (req) => ({ userId: req.get('x-user-id'), tags: ['#orders'] }) }));

app.get('/stock/:sku', (req, res) => {
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'stock looked up', attributes: { 'stock.sku': req.params.sku } });
  res.json({ sku: req.params.sku, available: 7 });
});

app.get('/fail', (_req, res) => {
  logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'stock database unavailable' });
  res.status(503).json({ error: 'unavailable' });
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pipeline.shutdown().then(() => process.stdout.write(`${JSON.stringify(pipeline.stats())}\n`));
});
