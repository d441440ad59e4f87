import { context as otelContext, diag, isSpanContextValid, propagation, trace, type Context } from '@opentelemetry/api';
import { currentExecution, executionDefaults, type Execution } from '../../src/execution.js';
import { newId } from '../../src/ids.js';
import type { LogkitRecord, LogMap } from '../../src/record.js';
import type { LogStage, StageContext } from '../../src/stage.js';
import { headerSanitizing } from '../correlation/header-value.js';
import { extractorFailures } from '../correlation/incoming.js';
import { CORRELATION_ATTRIBUTES as A } from './attributes.js';
import { ComponentTags } from './component-tags.js';
import { SpanExecutions } from './span-executions.js';

export { CORRELATION_ATTRIBUTES } from './attributes.js';

/**
 * The enrichment stage: the logging call says "severity + message", this stage adds who and what it
 * belongs to — the correlation ids and sequence number of the current execution (or of the active
 * trace), a unique record id, the user/consumer/session of the execution, its attributes, the tags
 * (static, per component, per execution) and the allow-listed baggage entries.
 *
 * What the record already carries wins: an attribute set in the logging call is never overwritten
 * (tags are merged instead), so an application can always say something more precise.
 * Everything that is per process (service, host, build commit) is on the resource, not here.
 */
export function createEnrichmentStage(ctx: StageContext, next: LogStage): LogStage {
  const config = ctx.config.enrichment;
  const componentTags = new ComponentTags(config.tags, config.componentTags);
  const spanExecutions = new SpanExecutions(config.globalIdFromTrace);
  const baggage = config.baggage;
  let records = 0;
  let inExecution = 0;
  let inSpanOnly = 0;
  let failures = 0;

  // New executions opened inside a trace take its trace id as their global id when so configured.
  const previousNewGlobalId = executionDefaults.newGlobalId;
  const installedNewGlobalId = config.globalIdFromTrace ? globalIdFromActiveTrace : newId;
  executionDefaults.newGlobalId = installedNewGlobalId;

  ctx.stats.register('enrichment', () => ({
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
      setTags(attributes, ownTags, undefined);
    } else {
      setIfAbsent(attributes, A.globalId, execution.globalId);
      setIfAbsent(attributes, A.localId, execution.localId);
      if (attributes[A.sequence] === undefined) attributes[A.sequence] = execution.nextSequence();
      setIfAbsent(attributes, A.externalId, execution.externalId);
      setIfAbsent(attributes, A.userId, execution.userId);
      setIfAbsent(attributes, A.consumerId, execution.consumerId);
      setIfAbsent(attributes, A.sessionId, execution.sessionId);
      for (const key in execution.attributes) if (attributes[key] === undefined) attributes[key] = execution.attributes[key];
      setTags(attributes, ownTags, execution.tags);
    }
    if (baggage !== undefined && context !== undefined) copyBaggage(attributes, context, baggage);
  }

  return {
    write(record: LogkitRecord, context?: Context): void {
      records++;
      try {
        enrich(record, context);
      } catch (error) {
        // A record we could not fully enrich is still worth delivering; the count shows it happened.
        failures++;
        diag.error('otel-logkit: enrichment failed for a record', error);
      }
      next.write(record, context);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => {
      if (executionDefaults.newGlobalId === installedNewGlobalId) executionDefaults.newGlobalId = previousNewGlobalId;
      return next.shutdown();
    },
  };
}

function globalIdFromActiveTrace(): string {
  const span = trace.getSpanContext(otelContext.active());
  return span !== undefined && isSpanContextValid(span) ? span.traceId : newId();
}

function setIfAbsent(attributes: LogMap, key: string, value: string | undefined): void {
  if (value !== undefined && attributes[key] === undefined) attributes[key] = value;
}

/** Component and execution tags, plus any the logging call gave (`tags: ['#x']` or `tags: '#x'`), deduplicated. */
function setTags(attributes: LogMap, component: readonly string[], execution: readonly string[] | undefined): void {
  const given = attributes[A.tags];
  const hasExecutionTags = execution !== undefined && execution.length > 0;
  if (given === undefined) {
    if (!hasExecutionTags) {
      if (component.length > 0) attributes[A.tags] = component.slice();
      return;
    }
    if (component.length === 0) {
      attributes[A.tags] = execution.slice();
      return;
    }
  }
  const out = new Set<string>(component);
  if (hasExecutionTags) for (const tag of execution) out.add(tag);
  if (typeof given === 'string') out.add(given);
  else if (Array.isArray(given)) for (const tag of given) if (typeof tag === 'string') out.add(tag);
  if (out.size > 0) attributes[A.tags] = [...out];
}

function copyBaggage(attributes: LogMap, context: Context, selected: (key: string) => boolean): void {
  const bag = propagation.getBaggage(context);
  if (bag === undefined) return;
  for (const [key, entry] of bag.getAllEntries()) {
    if (attributes[key] === undefined && selected(key)) attributes[key] = entry.value;
  }
}
