import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeverityNumber, type Logger } from '@opentelemetry/api';
import express from 'express';
import Fastify from 'fastify';
import { type CorrelationOptions, correlationMiddleware, fastifyCorrelation, withCorrelation } from '../../../../src/integrations/http/index.js';
import { currentExecution } from '../../../../src/index.js';

/** A real HTTP service on 127.0.0.1, built with one of the three supported server styles. */
export interface Service {
  url: string;
  close(): Promise<void>;
}

export type ServerKind = 'node:http' | 'express' | 'fastify';
export const SERVER_KINDS: ServerKind[] = ['node:http', 'express', 'fastify'];

/** What the handlers answer: the execution they run in, as the application sees it. */
export interface SeenExecution {
  globalId?: string;
  localId?: string;
  externalId?: string;
  level?: number;
  userId?: string;
  tags?: readonly string[];
  body?: unknown;
}

/**
 * Routes every kind serves the same way:
 * - `/ok` (GET or POST with a JSON body): logs "handled", then answers what it sees of its execution;
 * - `/boom`: answers 503;
 * - `/call?next=URL`: logs, calls `next` with `call(url)`, logs again, answers the downstream answer.
 */
export interface ServiceSpec<Req> {
  logger: Logger;
  options?: CorrelationOptions<Req>;
  call?: (url: string) => Promise<unknown>;
}

function seen(body?: unknown): SeenExecution {
  const e = currentExecution();
  return { globalId: e?.globalId, localId: e?.localId, externalId: e?.externalId, level: e?.level, userId: e?.userId, tags: e?.tags, body };
}

const info = (body: string) => ({ severityNumber: SeverityNumber.INFO, body });

async function callRoute(spec: ServiceSpec<never>, next: string): Promise<unknown> {
  spec.logger.emit(info('calling downstream'));
  const answer = await spec.call!(next);
  spec.logger.emit(info('downstream answered'));
  return answer;
}

export async function startService(kind: ServerKind, spec: ServiceSpec<never>): Promise<Service> {
  if (kind === 'node:http') return startNode(spec as ServiceSpec<http.IncomingMessage>);
  if (kind === 'express') return startExpress(spec as ServiceSpec<express.Request>);
  return startFastify(spec as ServiceSpec<{ headers: http.IncomingHttpHeaders; raw: object }>);
}

async function startNode(spec: ServiceSpec<http.IncomingMessage>): Promise<Service> {
  const server = http.createServer(
    withCorrelation(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/boom') {
        res.statusCode = 503;
        res.end();
        return;
      }
      let text = '';
      for await (const chunk of req) text += String(chunk);
      let answer: unknown;
      if (url.pathname === '/call') answer = await callRoute(spec as ServiceSpec<never>, url.searchParams.get('next')!);
      else {
        spec.logger.emit(info('handled'));
        answer = seen(text === '' ? undefined : JSON.parse(text));
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    }, spec.options),
  );
  return listen(server);
}

async function startExpress(spec: ServiceSpec<express.Request>): Promise<Service> {
  const app = express();
  app.use(correlationMiddleware<express.Request>(spec.options));
  app.use(express.json());
  app.get('/boom', (_req, res) => {
    res.status(503).end();
  });
  app.get('/throw', () => {
    throw new Error('handler failed');
  });
  app.get('/call', async (req, res) => {
    res.json(await callRoute(spec as ServiceSpec<never>, String(req.query.next)));
  });
  app.all('/ok', (req, res) => {
    spec.logger.emit(info('handled'));
    res.json(seen(req.body));
  });
  return listen(http.createServer(app));
}

async function startFastify(spec: ServiceSpec<{ headers: http.IncomingHttpHeaders; raw: object }>): Promise<Service> {
  const app = Fastify();
  await app.register(fastifyCorrelation, spec.options ?? {});
  app.get('/boom', async (_req, reply) => reply.code(503).send());
  app.get<{ Querystring: { next: string } }>('/call', async (req) => callRoute(spec as ServiceSpec<never>, req.query.next));
  app.route({
    method: ['GET', 'POST'],
    url: '/ok',
    handler: async (req) => {
      spec.logger.emit(info('handled'));
      return seen(req.body ?? undefined);
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

async function listen(server: http.Server): Promise<Service> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits (without a deadline of its own: the test timeout is the limit) until `check` holds. */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}
