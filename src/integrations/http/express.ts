import type { IncomingMessage, ServerResponse } from 'node:http';
import { enterExecution } from '../../core/execution.js';
import { type CorrelationOptions, correlationConfigFrom } from './config.js';
import { openHttpExecution } from './incoming.js';

/**
 * Express and connect middleware: the rest of the request (later middleware, the route handler,
 * error handlers) runs in one execution per request, with the ids read from the request and the global
 * id in the response header. A 5xx response (e.g. from Express's error handler) marks it failed.
 * Typed structurally on Node's request and response, so the package does not depend on Express.
 * Mount it first.
 *
 * @example
 * const app = express();
 * app.use(correlationMiddleware<express.Request>({ extract: (req) => ({ userId: req.get('x-user') }) }));
 */
export function correlationMiddleware<Req extends IncomingMessage = IncomingMessage>(
  options: CorrelationOptions<Req> = {},
): (request: Req, response: ServerResponse, next: (error?: unknown) => void) => void {
  const config = correlationConfigFrom(options);
  return (request, response, next) => {
    const execution = openHttpExecution(request, response, config, options.extract);
    enterExecution(execution, () => next());
  };
}
