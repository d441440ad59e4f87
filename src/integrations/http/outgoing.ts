import { context as otelContext, propagation } from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';
import { currentExecution, type Execution } from '../../core/execution.js';
import { type CorrelationConfig, type CorrelationOptions, correlationConfigFrom } from './config.js';
import type { HttpFailure } from './incoming.js';

let defaultConfig: CorrelationConfig | undefined;

/**
 * The headers an outgoing call should carry to continue the current execution in the next service:
 * the global id header, a W3C `baggage` entry with the global id, and whatever the application's
 * registered OTel propagators add (`traceparent`, its own baggage). Empty outside any execution and
 * trace. Header names come from `config`, by default from `process.env` (read once).
 *
 * @example
 * await fetch(url, { headers: { ...correlationHeaders(), 'content-type': 'application/json' } });
 */
export function correlationHeaders(config?: CorrelationConfig, execution: Execution | undefined = currentExecution()): Record<string, string> {
  const settings = config ?? (defaultConfig ??= correlationConfigFrom());
  const headers: Record<string, string> = {};
  propagation.inject(otelContext.active(), headers);
  if (execution !== undefined) {
    headers[settings.globalIdHeader] = execution.globalId;
    headers.baggage = withBaggageEntry(headers.baggage, settings.baggageKey, execution.globalId);
  }
  return headers;
}

/**
 * Wraps `fetch` (the global one by default) so every call carries {@link correlationHeaders}; headers
 * the caller set explicitly win, and our baggage entry is appended to the caller's `baggage`.
 *
 * @example
 * const fetch = correlatedFetch();
 * const res = await fetch('http://billing.internal/charge', { method: 'POST', body });
 */
export function correlatedFetch(fetchImpl: typeof fetch = globalThis.fetch, options: CorrelationOptions<never> = {}): typeof fetch {
  const config = correlationConfigFrom(options);
  return (input, init) => {
    const execution = currentExecution();
    const extra = correlationHeaders(config, execution);
    if (isEmpty(extra)) return fetchImpl(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(extra)) {
      const existing = headers.get(name) ?? undefined;
      if (name === 'baggage') headers.set(name, mergeBaggage(existing, value));
      else if (existing === undefined) headers.set(name, value);
    }
    return fetchImpl(input, { ...init, headers }).then((response) => {
      if (execution !== undefined && response.headers.get(config.failureHeader) !== null) failedDownstream(execution, response.status);
      return response;
    });
  };
}

/** The called service said its execution failed: so did this one's, whatever it does next (retry, fallback). */
function failedDownstream(execution: Execution, statusCode: number): void {
  execution.fail({ reason: 'downstream_failed', statusCode } satisfies HttpFailure);
}

/** Watches the answer of an `http.request` for the failure header. */
function watchResponse(request: unknown, execution: Execution | undefined, header: string): unknown {
  if (execution === undefined || typeof (request as { once?: unknown })?.once !== 'function') return request;
  (request as EventEmitter).once('response', (response: { headers: Record<string, unknown>; statusCode?: number }) => {
    if (response.headers[header] !== undefined) failedDownstream(execution, response.statusCode ?? 0);
  });
  return request;
}

/** `http.request` / `http.get` / `https.request`, whose arguments {@link correlatedRequest} understands. */
type RequestFunction = (...args: never[]) => unknown;

/**
 * Wraps `http.request`, `http.get`, `https.request` or `https.get` so every call carries
 * {@link correlationHeaders} (the caller's own headers win; baggage is merged).
 *
 * @example
 * const request = correlatedRequest(http.request);
 * request('http://billing.internal/charge', { method: 'POST' }, onResponse).end(body);
 */
export function correlatedRequest<F extends RequestFunction>(request: F, options: CorrelationOptions<never> = {}): F {
  const config = correlationConfigFrom(options);
  const call = request as unknown as (...a: unknown[]) => unknown;
  const send = (...args: unknown[]): unknown => {
    const extra = correlationHeaders(config);
    if (isEmpty(extra)) return call(...args);
    const [first, second, ...rest] = args;
    if (typeof first === 'string' || first instanceof URL) {
      // (url, callback?) or (url, options, callback?)
      if (typeof second === 'function' || second === undefined) {
        return call(first, { headers: mergeHeaders(undefined, extra) }, ...(second === undefined ? [] : [second]));
      }
      const options = second as { headers?: unknown };
      return call(first, { ...options, headers: mergeHeaders(options.headers, extra) }, ...rest);
    }
    const options = (first ?? {}) as { headers?: unknown };
    return call({ ...options, headers: mergeHeaders(options.headers, extra) }, ...args.slice(1));
  };
  const wrapped = (...args: unknown[]): unknown => watchResponse(send(...args), currentExecution(), config.failureHeader);
  return wrapped as unknown as F;
}

/** The dispatch function of an undici dispatcher (structural, so undici is not a dependency). */
type Dispatch<Options, Handler> = (options: Options, handler: Handler) => boolean;

/**
 * An undici interceptor, for `dispatcher.compose(correlationInterceptor())` — it covers every request
 * made through that dispatcher (`undici.request`, or `fetch(url, { dispatcher })`).
 *
 * @example
 * const agent = new Agent().compose(correlationInterceptor());
 * setGlobalDispatcher(agent); // now every fetch carries the correlation headers
 */
export function correlationInterceptor(options: CorrelationOptions<never> = {}) {
  const config = correlationConfigFrom(options);
  return <Options extends { headers?: unknown }, Handler>(dispatch: Dispatch<Options, Handler>): Dispatch<Options, Handler> =>
    (dispatchOptions, handler) => {
      const extra = correlationHeaders(config);
      if (isEmpty(extra)) return dispatch(dispatchOptions, handler);
      return dispatch({ ...dispatchOptions, headers: mergeHeaders(dispatchOptions.headers, extra) }, handler);
    };
}

/**
 * Adds `extra` to headers given as a plain object, a flat `[name, value, …]` array or an iterable of
 * pairs (what `http.request` and undici accept); the caller's own values win, baggage is merged.
 */
function mergeHeaders(headers: unknown, extra: Record<string, string>): unknown {
  if (headers === undefined || headers === null) return { ...extra };
  if (typeof headers !== 'object') return headers;
  if (Array.isArray(headers) && (headers.length === 0 || typeof headers[0] === 'string')) {
    const flat = [...(headers as string[])];
    for (const [name, value] of Object.entries(extra)) {
      const at = findName(flat, name, 2);
      if (at < 0) flat.push(name, value);
      else if (name === 'baggage') flat[at + 1] = mergeBaggage(String(flat[at + 1]), value);
    }
    return flat;
  }
  if (Symbol.iterator in headers) {
    const pairs = [...(headers as Iterable<[string, unknown]>)];
    for (const [name, value] of Object.entries(extra)) {
      const at = pairs.findIndex(([key]) => key.toLowerCase() === name);
      if (at < 0) pairs.push([name, value]);
      else if (name === 'baggage') pairs[at] = [pairs[at]![0], mergeBaggage(String(pairs[at]![1]), value)];
    }
    return pairs;
  }
  const out: Record<string, unknown> = { ...(headers as Record<string, unknown>) };
  for (const [name, value] of Object.entries(extra)) {
    const key = Object.keys(out).find((k) => k.toLowerCase() === name);
    if (key === undefined) out[name] = value;
    else if (name === 'baggage') out[key] = mergeBaggage(String(out[key]), value);
  }
  return out;
}

function findName(flat: readonly string[], name: string, step: number): number {
  for (let i = 0; i < flat.length; i += step) if (flat[i]!.toLowerCase() === name) return i;
  return -1;
}

/** Our baggage (one or more `key=value` entries) appended to the caller's, skipping keys the caller already has. */
function mergeBaggage(existing: string | undefined, ours: string): string {
  if (existing === undefined || existing.trim() === '') return ours;
  const present = new Set(existing.split(',').map((entry) => entry.split('=')[0]!.trim()));
  const added = ours.split(',').filter((entry) => !present.has(entry.split('=')[0]!.trim()));
  return added.length === 0 ? existing : `${existing},${added.join(',')}`;
}

function withBaggageEntry(baggage: string | undefined, key: string, value: string): string {
  return mergeBaggage(baggage, `${key}=${encodeURIComponent(value)}`);
}

function isEmpty(headers: Record<string, string>): boolean {
  for (const _ in headers) return false;
  return true;
}
