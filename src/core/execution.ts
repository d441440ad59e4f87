import { AsyncLocalStorage } from 'node:async_hooks';
import { context, diag, isSpanContextValid, trace, type SeverityNumber } from '@opentelemetry/api';
import { newId } from './ids.js';
import { processWide } from './process-state.js';
import type { LogMap } from './record.js';

/** What the caller may say about a unit of work; everything is optional and inherited by nested executions. */
export interface ExecutionFields {
  /** The end-to-end id across services; inherited from the parent, else generated. */
  globalId?: string;
  /** The consumer's own tracking id (e.g. `x-request-id`); recorded, never trusted as unique. */
  externalId?: string;
  userId?: string;
  consumerId?: string;
  sessionId?: string;
  /** Tags for every record of this execution, e.g. `#billing`. Added to the parent's. */
  tags?: readonly string[];
  /** Attributes for every record of this execution. Merged over the parent's. */
  attributes?: LogMap;
  /** Per-execution severity threshold override (e.g. one request at DEBUG). */
  level?: SeverityNumber;
}

export type ExecutionOutcome = 'running' | 'succeeded' | 'failed';

/** Numbers records 1, 2, 3 … per global id within this process; shared by nested executions. */
class SequenceCounter {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

/**
 * One unit of work — a request, a job, a message — opened by {@link runWithExecution} or an HTTP
 * helper. Processors read it from the async context: the enrichment stage takes its ids and tags, the
 * deferral stage buffers per execution and flushes or discards when it ends.
 */
export class Execution {
  readonly localId: string = newId();
  readonly globalId: string;
  readonly externalId?: string;
  readonly userId?: string;
  readonly consumerId?: string;
  readonly sessionId?: string;
  readonly tags: readonly string[];
  readonly attributes: Readonly<LogMap>;
  readonly level?: SeverityNumber;
  readonly startedAt = Date.now();
  outcome: ExecutionOutcome = 'running';
  /** Set by {@link fail}; decides the outcome when the execution ends. */
  failed = false;
  /** Why it failed: the thrown error, a `5xx` status, … */
  failure?: unknown;
  private readonly sequence: SequenceCounter;

  constructor(
    fields: ExecutionFields,
    readonly parent?: Execution,
  ) {
    this.globalId = fields.globalId ?? parent?.globalId ?? newGlobalId();
    this.sequence = parent && parent.globalId === this.globalId ? parent.sequence : new SequenceCounter();
    this.externalId = fields.externalId ?? parent?.externalId;
    this.userId = fields.userId ?? parent?.userId;
    this.consumerId = fields.consumerId ?? parent?.consumerId;
    this.sessionId = fields.sessionId ?? parent?.sessionId;
    this.tags = mergeTags(parent?.tags, fields.tags);
    this.attributes = parent && fields.attributes ? { ...parent.attributes, ...fields.attributes } : (fields.attributes ?? parent?.attributes ?? EMPTY);
    this.level = fields.level ?? parent?.level;
  }

  /** The next record sequence number for this global id. */
  nextSequence(): number {
    return this.sequence.next();
  }

  /** Marks the execution failed without ending it (e.g. an error was handled but the work failed). */
  fail(reason?: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = reason ?? 'failed';
  }
}

const EMPTY: LogMap = Object.freeze({});

function mergeTags(inherited: readonly string[] | undefined, own: readonly string[] | undefined): readonly string[] {
  if (!own || own.length === 0) return inherited ?? [];
  if (!inherited || inherited.length === 0) return [...new Set(own)];
  return [...new Set([...inherited, ...own])];
}

/** How executions behave process-wide; only the assembly layer sets it, once per pipeline it builds. */
export interface ExecutionSettings {
  /**
   * With an active trace and no incoming or inherited global id, the trace id is the global id
   * (`OTEL_LOGKIT_GLOBAL_ID_FROM_TRACE`, default true); else a new id is generated.
   */
  globalIdFromTrace: boolean;
}

type EndListener = (execution: Execution) => void;

/**
 * The one execution context of the process, shared by every copy of the package (see processWide).
 * Bump the version when the shape of this state or of {@link Execution} changes incompatibly.
 */
const shared = processWide('executions', 1, () => ({
  storage: new AsyncLocalStorage<Execution>(),
  endListeners: new Set<EndListener>(),
  settings: { globalIdFromTrace: true } as ExecutionSettings,
}));
const { storage, endListeners, settings } = shared;

/**
 * Sets how executions behave for the whole process. Called by the pipeline assembly, never by a stage:
 * executions belong to the process, not to one pipeline.
 *
 * @example
 * configureExecutions({ globalIdFromTrace: config.enrichment.globalIdFromTrace });
 */
export function configureExecutions(changes: Partial<ExecutionSettings>): void {
  if (changes.globalIdFromTrace !== undefined) settings.globalIdFromTrace = changes.globalIdFromTrace;
}

/**
 * The global id of a unit of work that was given none and inherits none: the trace id (of `traceId`,
 * else of the active span, when valid) if so configured, else a new id.
 */
export function newGlobalId(traceId?: string): string {
  if (!settings.globalIdFromTrace) return newId();
  if (traceId !== undefined) return traceId;
  const span = trace.getSpanContext(context.active());
  return span !== undefined && isSpanContextValid(span) ? span.traceId : newId();
}

/** The execution the current code runs in, if any. */
export function currentExecution(): Execution | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` as one unit of work and returns its result (sync or a promise). A throw or rejection marks
 * the execution failed — the deferral stage then flushes the held DEBUG records — and is rethrown
 * unchanged.
 *
 * @example
 * await runWithExecution({ userId: 'u-42', tags: ['#billing'] }, async () => {
 *   logger.emit({ severityNumber: SeverityNumber.INFO, body: 'charging card' });
 * });
 */
export function runWithExecution<T>(fn: () => T): T;
export function runWithExecution<T>(fields: ExecutionFields, fn: () => T): T;
export function runWithExecution<T>(fieldsOrFn: ExecutionFields | (() => T), maybeFn?: () => T): T {
  const fields = typeof fieldsOrFn === 'function' ? {} : fieldsOrFn;
  const fn = typeof fieldsOrFn === 'function' ? fieldsOrFn : maybeFn!;
  const execution = beginExecution(fields);
  let result: T;
  try {
    result = storage.run(execution, fn);
  } catch (error) {
    execution.fail(error);
    endExecution(execution);
    throw error;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        endExecution(execution);
        return value;
      },
      (error: unknown) => {
        execution.fail(error);
        endExecution(execution);
        throw error;
      },
    ) as T;
  }
  endExecution(execution);
  return result;
}

/** Opens an execution under the current one without entering it; pair with {@link enterExecution} and {@link endExecution}. */
export function beginExecution(fields: ExecutionFields = {}): Execution {
  return new Execution(fields, storage.getStore());
}

/** Runs `fn` inside an already-open execution (HTTP helpers open one per request and end it on `finish`). */
export function enterExecution<T>(execution: Execution, fn: () => T): T {
  return storage.run(execution, fn);
}

/** Ends an execution once: outcome is `failed` if it was marked failed, else `succeeded`. Listeners run synchronously. */
export function endExecution(execution: Execution): void {
  if (execution.outcome !== 'running') return;
  execution.outcome = execution.failed ? 'failed' : 'succeeded';
  for (const listener of endListeners) {
    try {
      listener(execution);
    } catch (error) {
      diag.error('otel-logkit: execution end listener failed', error);
    }
  }
}

/** Subscribes to the end of every execution; returns the unsubscribe function. */
export function onExecutionEnd(listener: EndListener): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
