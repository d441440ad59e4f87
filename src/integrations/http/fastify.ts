import type { IncomingHttpHeaders } from 'node:http';
import { enterExecution, type Execution } from '../../core/execution.js';
import { type CorrelationOptions, correlationConfigFrom } from './config.js';
import { announceFailure, endExecutionWithResponse, openRequestExecution, type ResponseLike } from './incoming.js';

/** The parts of a fastify request and reply the plugin uses (structural: no runtime dependency on fastify). */
export interface FastifyRequestLike {
  readonly headers: IncomingHttpHeaders;
  readonly raw: object;
}
export interface FastifyReplyLike {
  header(name: string, value: string): unknown;
  readonly raw: ResponseLike;
}
type HookDone = (error?: Error) => void;
export interface FastifyInstanceLike {
  addHook(name: 'onRequest' | 'preValidation', hook: (request: never, reply: never, done: HookDone) => void): unknown;
}

/**
 * A fastify plugin: one execution per request, ids read from the request, the global id in the reply
 * header, the execution ended (failed on a 5xx or an aborted request) when the response closes.
 * It applies to the whole instance (like a `fastify-plugin`), and re-enters the execution after the
 * body is parsed, since body parsing runs outside the request's async context.
 *
 * @example
 * const app = Fastify();
 * await app.register(fastifyCorrelation, { extract: (req) => ({ userId: req.headers['x-user'] }) });
 */
export function fastifyCorrelation<Req extends FastifyRequestLike = FastifyRequestLike>(
  app: FastifyInstanceLike,
  options: CorrelationOptions<Req>,
  done: HookDone,
): void {
  let config;
  try {
    config = correlationConfigFrom(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  const executions = new WeakMap<object, Execution>();
  app.addHook('onRequest', (request: Req, reply: FastifyReplyLike, next: HookDone) => {
    const execution = openRequestExecution(request.headers, request, config, options.extract);
    executions.set(request.raw, execution);
    reply.header(config.globalIdHeader, execution.globalId);
    announceFailure(reply.raw, execution, config.failureHeader);
    endExecutionWithResponse(reply.raw, execution);
    enterExecution(execution, () => next());
  });
  app.addHook('preValidation', (request: Req, _reply: FastifyReplyLike, next: HookDone) => {
    const execution = executions.get(request.raw);
    if (execution === undefined) next();
    else enterExecution(execution, () => next());
  });
  done();
}

// What `fastify-plugin` would set: the hooks apply to the whole instance, not only to an encapsulated child.
Object.assign(fastifyCorrelation, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'otel-logkit-correlation',
});
