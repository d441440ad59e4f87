/**
 * Correlation across services: reading the ids of an incoming request into an execution, and writing
 * them on outgoing calls. The enrichment stage then puts them on every record.
 */
export { type CorrelationOptions, type CorrelationConfig, type RequestFields, parseCorrelationConfig } from './config.js';
export { sanitizeHeaderValue, HEADER_VALUE_FORM } from '../../core/header-value.js';
export { openRequestExecution, openHttpExecution, endExecutionWithResponse, type HttpFailure, type IncomingHeaders, type ResponseLike } from './incoming.js';
export { withCorrelation } from './node-http.js';
export { correlationMiddleware } from './express.js';
export { fastifyCorrelation, type FastifyInstanceLike, type FastifyReplyLike, type FastifyRequestLike } from './fastify.js';
export { correlationHeaders, correlatedFetch, correlatedRequest, correlationInterceptor } from './outgoing.js';
