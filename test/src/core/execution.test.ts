import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureExecutions, type ExecutionFields } from '../../../src/core/execution.js';
import { currentExecution, onExecutionEnd, runWithExecution, type Execution } from '../../../src/index.js';
import { registerTracing } from '../../processors/enrichment/tracing.js';

function collectEnds(): { ended: Execution[]; stop: () => void } {
  const ended: Execution[] = [];
  const stop = onExecutionEnd((execution) => ended.push(execution));
  return { ended, stop };
}

describe('runWithExecution', () => {
  it('returns the result of a synchronous function and records success', () => {
    const { ended, stop } = collectEnds();
    const result = runWithExecution({ userId: 'u1' }, () => currentExecution()!.userId);
    stop();
    expect(result).toBe('u1');
    expect(ended.map((e) => e.outcome)).toEqual(['succeeded']);
    expect(currentExecution()).toBeUndefined();
  });

  it('rethrows a synchronous throw unchanged and records the failure', () => {
    const { ended, stop } = collectEnds();
    const boom = new Error('boom');
    expect(() => runWithExecution(() => { throw boom; })).toThrow(boom);
    stop();
    expect(ended[0]!.outcome).toBe('failed');
    expect(ended[0]!.failure).toBe(boom);
  });

  it('follows a promise: resolves with its value, or rejects unchanged and records the failure', async () => {
    const { ended, stop } = collectEnds();
    await expect(runWithExecution(async () => 42)).resolves.toBe(42);
    await expect(runWithExecution(async () => { throw new TypeError('bad'); })).rejects.toThrow(TypeError);
    stop();
    expect(ended.map((e) => e.outcome)).toEqual(['succeeded', 'failed']);
  });

  it('gives nested executions a new local id but the same global id, and inherits the fields', () => {
    runWithExecution({ globalId: 'g-1', userId: 'u1', tags: ['#a'], attributes: { tenant: 't1' } }, () => {
      const outer = currentExecution()!;
      runWithExecution({ tags: ['#b', '#a'], attributes: { step: 'inner' } }, () => {
        const inner = currentExecution()!;
        expect(inner.globalId).toBe('g-1');
        expect(inner.localId).not.toBe(outer.localId);
        expect(inner.userId).toBe('u1');
        expect(inner.tags).toEqual(['#a', '#b']);
        expect({ ...inner.attributes }).toEqual({ tenant: 't1', step: 'inner' });
        expect(inner.parent).toBe(outer);
      });
    });
  });

  it('numbers records per global id across nested executions', () => {
    runWithExecution(() => {
      const outer = currentExecution()!;
      expect(outer.nextSequence()).toBe(1);
      runWithExecution(() => expect(currentExecution()!.nextSequence()).toBe(2));
      runWithExecution({ globalId: 'other' }, () => expect(currentExecution()!.nextSequence()).toBe(1));
      expect(outer.nextSequence()).toBe(3);
    });
  });

  it('keeps interleaved async executions apart', async () => {
    const seen: string[] = [];
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        runWithExecution({ userId: name }, async () => {
          for (let i = 0; i < 3; i++) {
            await tick();
            seen.push(`${name}:${currentExecution()!.userId}`);
          }
        }),
      ),
    );
    expect(seen.every((entry) => entry.split(':')[0] === entry.split(':')[1])).toBe(true);
    expect(seen).toHaveLength(9);
  });

  it('records a failure marked with fail() even when the function returns normally (e.g. a 5xx response)', () => {
    const { ended, stop } = collectEnds();
    runWithExecution(() => currentExecution()!.fail('HTTP 503'));
    stop();
    expect(ended[0]!.outcome).toBe('failed');
    expect(ended[0]!.failure).toBe('HTTP 503');
  });

  it('keeps running the other end listeners when one throws', () => {
    const calls: string[] = [];
    const stopBad = onExecutionEnd(() => { throw new Error('listener bug'); });
    const stopGood = onExecutionEnd(() => calls.push('good'));
    runWithExecution(() => {});
    stopBad();
    stopGood();
    expect(calls).toEqual(['good']);
  });
});

describe('the global id of an execution opened inside a trace', () => {
  let tracing: ReturnType<typeof registerTracing>;
  beforeAll(() => {
    tracing = registerTracing();
  });
  afterAll(() => {
    configureExecutions({ globalIdFromTrace: true });
    tracing.unregister();
  });

  const inSpan = (fields: ExecutionFields = {}) =>
    tracing.tracer.startActiveSpan('request', (span) => {
      const ids = { traceId: span.spanContext().traceId, globalId: runWithExecution(fields, () => currentExecution()!.globalId) };
      span.end();
      return ids;
    });

  it('is the trace id by default', () => {
    const { traceId, globalId } = inSpan();
    expect(globalId).toBe(traceId);
  });

  it('is a new id when executions are configured with globalIdFromTrace false', () => {
    configureExecutions({ globalIdFromTrace: false });
    const { traceId, globalId } = inSpan();
    configureExecutions({ globalIdFromTrace: true });
    expect(globalId).toMatch(/^[0-9a-f]{32}$/);
    expect(globalId).not.toBe(traceId);
  });

  it('is the given one when the caller gives one', () => {
    expect(inSpan({ globalId: 'g-given' }).globalId).toBe('g-given');
  });

  it('is a new id outside any trace', () => {
    expect(runWithExecution(() => currentExecution()!.globalId)).toMatch(/^[0-9a-f]{32}$/);
  });
});
