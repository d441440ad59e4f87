import { Execution, newGlobalId } from '../../src/core/execution.js';

/** How many traces we remember; past that the oldest is forgotten (its sequence restarts at 1). */
const MAX_TRACES = 4096;

/**
 * Records emitted in an active span but outside any execution still belong to a unit of work: the
 * trace. Each trace seen gets one implicit execution (global id = the trace id, or a generated one
 * when executions are so configured), so its records share ids and sequence numbers like those of a real execution.
 * The execution is never entered nor ended: it only numbers and identifies records.
 */
export class SpanExecutions {
  private readonly byTrace = new Map<string, Execution>();

  for(traceId: string): Execution {
    let execution = this.byTrace.get(traceId);
    if (execution === undefined) {
      execution = new Execution({ globalId: newGlobalId(traceId) });
      if (this.byTrace.size >= MAX_TRACES) this.byTrace.delete(this.byTrace.keys().next().value!);
      this.byTrace.set(traceId, execution);
    }
    return execution;
  }
}
