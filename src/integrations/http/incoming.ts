import { context as otelContext, defaultTextMapGetter, propagation, ROOT_CONTEXT, diag } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { beginExecution, endExecution, type Execution } from '../../core/execution.js';
import { parseSeverity } from '../../core/severity.js';
import type { CorrelationConfig, RequestFields } from './config.js';
import { extractorFailures, sanitizeHeaderValue } from '../../core/header-value.js';

/** Incoming headers as Node gives them (lower-case names). */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The part of a Node `ServerResponse` the helpers use (fastify's `reply.raw` is one too). */
export interface ResponseLike {
  readonly statusCode: number;
  readonly writableFinished: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** Why an HTTP execution failed: a 5xx response, or the client went away before the response was complete. */
export interface HttpFailure {
  /** `downstream_failed`: a service this one called answered with the failure header (see {@link announceFailure}). */
  reason: 'server_error' | 'aborted' | 'downstream_failed';
  statusCode: number;
}

const baggagePropagator = new W3CBaggagePropagator();
/** The longest severity name a level header may carry (`warning`, `debug4`). */
const MAX_LEVEL_LENGTH = 16;

/**
 * Opens (without entering) the execution of one incoming request: the global id from the configured
 * header, else from the W3C baggage entry, else a new one (or the trace id, per configuration); the
 * caller's external id; the per-request severity override when the application allows it; and what
 * the application's extractor says about the user. Header values are sanitised first.
 */
export function openRequestExecution<Req>(
  headers: IncomingHeaders,
  request: Req,
  config: CorrelationConfig,
  extract: ((request: Req) => RequestFields | undefined) | undefined,
): Execution {
  const extracted = extract === undefined ? undefined : safeExtract(extract, request);
  const levelText = config.levelHeader === undefined ? undefined : sanitizeHeaderValue(headers[config.levelHeader], MAX_LEVEL_LENGTH);
  return beginExecution({
    globalId: sanitizeHeaderValue(headers[config.globalIdHeader], config.maxIdLength) ?? globalIdFromBaggage(headers, config),
    externalId: sanitizeHeaderValue(headers[config.externalIdHeader], config.maxIdLength),
    level: levelText === undefined ? undefined : parseSeverity(levelText),
    userId: extracted?.userId,
    consumerId: extracted?.consumerId,
    sessionId: extracted?.sessionId,
    tags: extracted?.tags,
    attributes: extracted?.attributes,
  });
}

/**
 * Ends the execution when the response is done: a 5xx status or a connection closed before the
 * response finished marks it failed first, so the deferral stage keeps that request's detail.
 */
export function endExecutionWithResponse(response: ResponseLike, execution: Execution): void {
  response.once('close', () => {
    const statusCode = response.statusCode;
    if (statusCode >= 500) execution.fail({ reason: 'server_error', statusCode } satisfies HttpFailure);
    else if (!response.writableFinished) execution.fail({ reason: 'aborted', statusCode } satisfies HttpFailure);
    endExecution(execution);
  });
}

/**
 * For Node-style servers (node:http, express, connect): opens the request's execution, puts its
 * global id on the response, and ends it when the response closes. The caller enters it.
 */
export function openHttpExecution<Req extends { readonly headers: IncomingHeaders }>(
  request: Req,
  response: ResponseLike & { readonly headersSent: boolean; setHeader(name: string, value: string): unknown },
  config: CorrelationConfig,
  extract: ((request: Req) => RequestFields | undefined) | undefined,
): Execution {
  const execution = openRequestExecution(request.headers, request, config, extract);
  if (!response.headersSent) response.setHeader(config.globalIdHeader, execution.globalId);
  announceFailure(response, execution, config.failureHeader);
  endExecutionWithResponse(response, execution);
  return execution;
}

/** The part of a Node `ServerResponse` that {@link announceFailure} wraps. */
interface HeadWriter {
  writeHead?: (statusCode: number, ...rest: never[]) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/**
 * Says in the response when this request's execution failed — a 5xx, or the handler marked it failed
 * and answered anyway — with `header: true`, set as the status line is written. The caller's outgoing
 * helpers read it and mark their own execution failed, so deferred history is released on both sides.
 */
export function announceFailure(response: object, execution: Execution, header: string): void {
  const target = response as HeadWriter;
  const writeHead = target.writeHead;
  const setHeader = target.setHeader;
  if (typeof writeHead !== 'function' || typeof setHeader !== 'function') return;
  target.writeHead = function (this: unknown, statusCode: number, ...rest: never[]) {
    if (execution.failed || statusCode >= 500) setHeader.call(this, header, 'true');
    return writeHead.call(this, statusCode, ...rest);
  };
}

/** The baggage entry from the active context (an instrumentation may have extracted it already), else from the raw header. */
function globalIdFromBaggage(headers: IncomingHeaders, config: CorrelationConfig): string | undefined {
  let value = propagation.getBaggage(otelContext.active())?.getEntry(config.baggageKey)?.value;
  if (value === undefined && headers.baggage !== undefined) {
    const extracted = baggagePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    value = propagation.getBaggage(extracted)?.getEntry(config.baggageKey)?.value;
  }
  return sanitizeHeaderValue(value, config.maxIdLength);
}

function safeExtract<Req>(extract: (request: Req) => RequestFields | undefined, request: Req): RequestFields | undefined {
  try {
    return extract(request);
  } catch (error) {
    extractorFailures.count++;
    // The request goes on without user fields rather than failing because of a logging helper.
    diag.warn('otel-logkit: the request extractor threw; the request is logged without its fields', error);
    return undefined;
  }
}
