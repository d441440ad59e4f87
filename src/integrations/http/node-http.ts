import type { IncomingMessage, ServerResponse } from 'node:http';
import { enterExecution } from '../../core/execution.js';
import { type CorrelationOptions, correlationConfigFrom } from './config.js';
import { openHttpExecution } from './incoming.js';

/**
 * Wraps a `node:http` request handler so each request runs in its own execution: ids read from the
 * request, the global id returned in the response header, the execution ended (failed on a 5xx, a
 * thrown error or a rejected promise) when the response closes. Settings are read once, here.
 *
 * Async context follows `await` and promise chains; callbacks of `req.on('data')` run in the
 * emitter's context, so read bodies with `for await (const chunk of req)`.
 *
 * @example
 * http.createServer(withCorrelation(async (req, res) => {
 *   logger.emit({ severityNumber: SeverityNumber.INFO, body: 'hello' }); // carries correlation.global_id …
 *   res.end('ok');
 * })).listen(8080);
 */
export function withCorrelation<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  handler: (request: Req, response: Res) => unknown,
  options: CorrelationOptions<Req> = {},
): (request: Req, response: Res) => unknown {
  const config = correlationConfigFrom(options);
  return (request, response) => {
    const execution = openHttpExecution(request, response, config, options.extract);
    let result: unknown;
    try {
      result = enterExecution(execution, () => handler(request, response));
    } catch (error) {
      execution.fail(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        execution.fail(error);
        throw error;
      });
    }
    return result;
  };
}
