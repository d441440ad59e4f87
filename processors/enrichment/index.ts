import { diag, isSpanContextValid, propagation, type Context } from '@opentelemetry/api';
import { currentExecution, type Execution } from '../../src/core/execution.js';
import { newId } from '../../src/core/ids.js';
import { copyValue, type LogkitRecord, type LogMap, type LogValue } from '../../src/core/record.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { extractorFailures, headerSanitizing } from '../../src/core/header-value.js';
import { CORRELATION_ATTRIBUTES as A } from '../../src/core/attributes.js';
import { ComponentTags } from './component-tags.js';
import type { EnrichmentConfig } from './config.js';
import { SpanExecutions } from './span-executions.js';

export { CORRELATION_ATTRIBUTES } from '../../src/core/attributes.js';

/** `stats().enrichment`: how records were correlated. */
export type EnrichmentStatsSection = {
  records: number;
  in_execution: number;
  in_span_only: number;
  uncorrelated: number;
  internal_errors: number;
  headers_cut: number;
  headers_replaced: number;
  extractor_failures: number;
};

/**
 * The enrichment stage: the logging call says "severity + message", this stage adds who and what it
 * belongs to — the correlation ids and sequence number of the current execution (or of the active
 * trace), a unique record id, the user/consumer/session of the execution, its attributes, the tags
 * (static, per component, per execution) and the allow-listed baggage entries.
 *
 * What the record already carries wins: an attribute set in the logging call is never overwritten
 * (tags are merged instead), so an application can always say something more precise — except the
 * execution's own ids and sequence number (`correlation.global_id`, `correlation.local_id`,
 * `log.record.sequence`), which only the execution can know. A `log.record.uid` already present
 * (a replayed record) is kept, so the record stays the same record.
 * Everything that is per process (service, host, build commit) is on the resource, not here.
 */
export function createEnrichmentStage(config: EnrichmentConfig, ctx: StageContext, next: LogStage): LogStage {
  const componentTags = new ComponentTags(config.tags, config.componentTags);
  const spanExecutions = new SpanExecutions();
  const baggage = config.baggage;
  const tags = new TagMerger();
  const executionKeys = new AttributeKeys();
  let records = 0;
  let inExecution = 0;
  let inSpanOnly = 0;
  let failures = 0;

  ctx.stats.register('enrichment', (): EnrichmentStatsSection => ({
    records,
    in_execution: inExecution,
    in_span_only: inSpanOnly,
    uncorrelated: records - inExecution - inSpanOnly,
    internal_errors: failures,
    headers_cut: headerSanitizing.cut,
    headers_replaced: headerSanitizing.replaced,
    extractor_failures: extractorFailures.count,
  }));

  function enrich(record: LogkitRecord, context: Context | undefined): void {
    const attributes = record.attributes;
    let execution: Execution | undefined = currentExecution();
    if (execution !== undefined) inExecution++;
    else if (record.spanContext !== undefined && isSpanContextValid(record.spanContext)) {
      execution = spanExecutions.for(record.spanContext.traceId);
      inSpanOnly++;
    }
    if (attributes[A.uid] === undefined) attributes[A.uid] = newId();
    const ownTags = componentTags.for(record.instrumentationScope.name);
    if (execution === undefined) {
      tags.set(attributes, ownTags, NO_TAGS);
    } else {
      attributes[A.globalId] = execution.globalId;
      attributes[A.localId] = execution.localId;
      attributes[A.sequence] = execution.nextSequence();
      setIfAbsent(attributes, A.externalId, execution.externalId);
      setIfAbsent(attributes, A.userId, execution.userId);
      setIfAbsent(attributes, A.consumerId, execution.consumerId);
      setIfAbsent(attributes, A.sessionId, execution.sessionId);
      const keys = executionKeys.of(execution.attributes);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (attributes[key] !== undefined) continue;
        const value = execution.attributes[key];
        // Each record gets its own copy of a structured value: later stages may rewrite it in place.
        attributes[key] = typeof value === 'object' && value !== null ? copyValue(value) : value;
      }
      tags.set(attributes, ownTags, execution.tags);
    }
    if (baggage !== undefined && context !== undefined) copyBaggage(attributes, context, baggage);
  }

  return {
    write(record: LogkitRecord, context?: Context): WriteVerdict {
      records++;
      try {
        enrich(record, context);
      } catch (error) {
        // A record we could not fully enrich is still worth delivering; the count shows it happened.
        failures++;
        diag.error('otel-logkit: enrichment failed for a record', error);
      }
      return next.write(record, context);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}

const NO_TAGS: readonly string[] = Object.freeze([]);

function setIfAbsent(attributes: LogMap, key: string, value: string | undefined): void {
  if (value !== undefined && attributes[key] === undefined) attributes[key] = value;
}

/**
 * Component and execution tags, plus any the logging call gave (`tags: ['#x']` or `tags: '#x'`),
 * deduplicated. Consecutive records mostly share both inputs (one logger, one execution), so the last
 * merge is remembered and only copied.
 */
class TagMerger {
  private lastComponent: readonly string[] | undefined;
  private lastExecution: readonly string[] | undefined;
  private lastMerged: readonly string[] = [];

  set(attributes: LogMap, component: readonly string[], execution: readonly string[]): void {
    const given = attributes[A.tags];
    if (given === undefined) {
      if (component !== this.lastComponent || execution !== this.lastExecution) {
        this.lastComponent = component;
        this.lastExecution = execution;
        this.lastMerged = execution.length === 0 ? component : component.length === 0 ? execution : merge(component, execution, undefined);
      }
      if (this.lastMerged.length > 0) attributes[A.tags] = this.lastMerged.slice();
      return;
    }
    const merged = merge(component, execution, given);
    if (merged.length > 0) attributes[A.tags] = merged;
  }
}

function merge(component: readonly string[], execution: readonly string[], given: LogValue): string[] {
  const out = new Set<string>(component);
  for (const tag of execution) out.add(tag);
  if (typeof given === 'string') out.add(given);
  else if (Array.isArray(given)) for (const tag of given) if (typeof tag === 'string') out.add(tag);
  return [...out];
}

/** `Object.keys` of the last execution's attributes: the same object for every record of an execution. */
class AttributeKeys {
  private last: object | undefined;
  private keys: readonly string[] = [];

  of(attributes: object): readonly string[] {
    if (attributes !== this.last) {
      this.last = attributes;
      this.keys = Object.keys(attributes);
    }
    return this.keys;
  }
}

function copyBaggage(attributes: LogMap, context: Context, selected: (key: string) => boolean): void {
  const bag = propagation.getBaggage(context);
  if (bag === undefined) return;
  for (const [key, entry] of bag.getAllEntries()) {
    if (attributes[key] === undefined && selected(key)) attributes[key] = entry.value;
  }
}
