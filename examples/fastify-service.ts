/**
 * A fastify service with correlation that calls another service: the plugin opens one execution per
 * request, and `correlatedFetch` carries the global id (and W3C baggage) to the downstream service,
 * so the records of both services share one `correlation.global_id`. Start the Express example first
 * and point DOWNSTREAM_URL at it.
 *
 * Run:  OTEL_LOGS_EXPORTER=console PORT=3001 DOWNSTREAM_URL=http://127.0.0.1:3000 npx tsx examples/fastify-service.ts
 * Try:  curl -i -H 'x-request-id: my-ref' http://127.0.0.1:3001/orders/42
 */
import { logs, SeverityNumber } from '@opentelemetry/api';
import Fastify, { type FastifyRequest } from 'fastify';
import { correlatedFetch, fastifyCorrelation, registerLogPipeline } from '../src/index.js';

const pipeline = registerLogPipeline({ env: { OTEL_SERVICE_NAME: 'orders-fastify', ...process.env }, handleProcessEvents: false });
const logger = logs.getLogger('orders.http');
const downstream = process.env.DOWNSTREAM_URL ?? 'http://127.0.0.1:3000';
const fetchWithCorrelation = correlatedFetch();

const app = Fastify();
await app.register(fastifyCorrelation, {
  extract: (req: FastifyRequest) => ({ consumerId: req.headers['user-agent'] ?? 'unknown' }),
});

app.get<{ Params: { id: string } }>('/orders/:id', async (req, reply) => {
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'order requested', attributes: { 'order.id': req.params.id } });
  const stock = await fetchWithCorrelation(`${downstream}/stock/${encodeURIComponent(req.params.id)}`);
  if (!stock.ok) {
    logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'stock service failed', attributes: { 'http.response.status_code': stock.status } });
    return reply.code(502).send({ error: 'stock unavailable' });
  }
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'order answered' });
  return { id: req.params.id, stock: await stock.json() };
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
process.stdout.write(`listening on ${address}\n`);

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pipeline.shutdown())
    .then(() => process.stdout.write(`${JSON.stringify(pipeline.stats())}\n`));
});
