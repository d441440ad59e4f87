import { SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { beginExecution, endExecution, enterExecution, runWithExecution } from '../../../../src/index.js';
import { DeferredFlushSpanProcessor } from '../../../../processors/sampling/deferred/flush-on-span-error.js';
import { closeAll, DEBUG, emit, ERROR, INFO, startPipeline, WARN } from '../harness.js';

afterEach(closeAll);

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('deferred logging: records below the threshold inside an execution', () => {
  it('are discarded, counted, when the execution succeeds; only records at or above the threshold are exported', async () => {
    const h = startPipeline();
    const log = h.logger('billing');
    runWithExecution(() => {
      emit(log, DEBUG, 'loading cart');
      emit(log, INFO, 'card charged');
      emit(log, DEBUG, 'cart saved');
    });
    expect(await h.bodies()).toEqual(['card charged']);
    expect(h.pipeline.stats().deferred).toMatchObject({ buffered: 2, discarded: 2, flushed: 0, held_records: 0, held_bytes: 0 });
  });

  it('are all exported, in order, with their original timestamps and logkit.deferred=true, before an error record', async () => {
    const h = startPipeline();
    const log = h.logger('billing');
    runWithExecution(() => {
      emit(log, DEBUG, 'd1');
      emit(log, DEBUG, 'd2');
      emit(log, DEBUG, 'd3');
      emit(log, ERROR, 'card declined');
    });
    const records = await h.records();
    expect(records.map((r) => r.body)).toEqual(['d1', 'd2', 'd3', 'card declined']);
    expect(records.slice(0, 3).every((r) => r.attributes['logkit.deferred'] === true)).toBe(true);
    expect(records[3]!.attributes['logkit.deferred']).toBeUndefined();
    const times = records.map((r) => r.hrTime[0] * 1e9 + r.hrTime[1]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(h.pipeline.stats().deferred).toMatchObject({ buffered: 3, flushed: 3, discarded: 0 });
  });

  it('pass straight through after a flush, for the rest of that execution', async () => {
    const h = startPipeline();
    const log = h.logger();
    runWithExecution(() => {
      emit(log, DEBUG, 'before');
      emit(log, ERROR, 'failed');
      emit(log, DEBUG, 'after');
    });
    const records = await h.records();
    expect(records.map((r) => r.body)).toEqual(['before', 'failed', 'after']);
    expect(records[2]!.attributes['logkit.deferred']).toBeUndefined();
  });

  it('are flushed when the function throws, and the error reaches the caller unchanged', async () => {
    const h = startPipeline();
    const log = h.logger();
    const boom = new Error('boom');
    expect(() =>
      runWithExecution(() => {
        emit(log, DEBUG, 'step 1');
        emit(log, DEBUG, 'step 2');
        throw boom;
      }),
    ).toThrow(boom);
    expect(await h.bodies()).toEqual(['step 1', 'step 2']);
  });

  it('are flushed when the async function rejects', async () => {
    const h = startPipeline();
    const log = h.logger();
    await expect(
      runWithExecution(async () => {
        emit(log, DEBUG, 'step 1');
        await tick();
        emit(log, DEBUG, 'step 2');
        throw new Error('rejected');
      }),
    ).rejects.toThrow('rejected');
    expect(await h.bodies()).toEqual(['step 1', 'step 2']);
  });

  it('are flushed when an HTTP helper marks the execution failed (5xx) and ends it', async () => {
    const h = startPipeline();
    const execution = beginExecution();
    enterExecution(execution, () => emit(h.logger(), DEBUG, 'handler detail'));
    execution.fail('HTTP 503');
    endExecution(execution);
    expect(await h.bodies()).toEqual(['handler detail']);
  });

  it('follow the flush level set by OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_FLUSH_LEVEL: 'warn' });
    runWithExecution(() => {
      emit(h.logger(), DEBUG, 'detail');
      emit(h.logger(), WARN, 'slow');
    });
    expect(await h.bodies()).toEqual(['detail', 'slow']);
  });

  it('are dropped and counted as below_threshold when OTEL_LOGKIT_DEFERRED=false', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED: 'false' });
    runWithExecution(() => {
      emit(h.logger(), DEBUG, 'detail');
      emit(h.logger(), ERROR, 'failed');
    });
    expect(await h.bodies()).toEqual(['failed']);
    expect(h.pipeline.stats().sampling!.dropped).toEqual({ below_threshold: 1 });
    expect(h.pipeline.stats().deferred).toBeUndefined();
  });
});

describe('deferred logging: nested executions', () => {
  it('a failing nested execution flushes its own history, not its parent’s', async () => {
    const h = startPipeline();
    const log = h.logger();
    runWithExecution(() => {
      emit(log, DEBUG, 'root detail');
      try {
        runWithExecution(() => {
          emit(log, DEBUG, 'attempt detail');
          throw new Error('attempt failed');
        });
      } catch {
        // the root retries and succeeds
      }
    });
    expect(await h.bodies()).toEqual(['attempt detail']);
    expect(h.pipeline.stats().deferred).toMatchObject({ flushed: 1, discarded: 1 });
  });

  it('a failing root flushes everything held for it, nested units included, in original order', async () => {
    const h = startPipeline();
    const log = h.logger();
    await expect(
      runWithExecution(async () => {
        emit(log, DEBUG, 'root 1');
        await runWithExecution(async () => {
          emit(log, DEBUG, 'child 1');
          await tick();
          emit(log, DEBUG, 'child 2');
        });
        emit(log, DEBUG, 'root 2');
        throw new Error('root failed');
      }),
    ).rejects.toThrow();
    expect(await h.bodies()).toEqual(['root 1', 'child 1', 'child 2', 'root 2']);
  });

  it('a failing root interleaves its own records with a concurrent nested unit’s, in emission order', async () => {
    const h = startPipeline();
    const log = h.logger();
    await expect(
      runWithExecution(async () => {
        emit(log, DEBUG, 'p1');
        const child = runWithExecution(async () => {
          emit(log, DEBUG, 'c1');
          await tick();
          emit(log, DEBUG, 'c2');
        });
        emit(log, DEBUG, 'p2');
        await child;
        emit(log, DEBUG, 'p3');
        throw new Error('root failed');
      }),
    ).rejects.toThrow();
    expect(await h.bodies()).toEqual(['p1', 'c1', 'p2', 'c2', 'p3']);
  });

  it('a nested unit ending after its parent has flushed is flushed too', async () => {
    const h = startPipeline();
    const log = h.logger();
    const child = runWithExecution(() => {
      emit(log, ERROR, 'root failed');
      return runWithExecution(async () => {
        emit(log, DEBUG, 'child started under a failed root');
        await tick();
      });
    });
    await child;
    expect(await h.bodies()).toEqual(['root failed', 'child started under a failed root']);
  });
});

describe('deferred logging: concurrency', () => {
  it('interleaved async executions never mix their buffers', async () => {
    const h = startPipeline();
    const log = h.logger();
    const work = (name: string, fail: boolean) =>
      runWithExecution(async () => {
        for (let i = 0; i < 5; i++) {
          emit(log, DEBUG, `${name} ${i}`);
          await tick();
        }
        if (fail) throw new Error(name);
      }).catch(() => {});
    await Promise.all([work('a', false), work('b', true), work('c', false), work('d', true)]);
    const bodies = (await h.bodies()) as string[];
    expect(bodies.filter((b) => b.startsWith('b'))).toEqual(['b 0', 'b 1', 'b 2', 'b 3', 'b 4']);
    expect(bodies.filter((b) => b.startsWith('d'))).toEqual(['d 0', 'd 1', 'd 2', 'd 3', 'd 4']);
    expect(bodies).toHaveLength(10);
    expect(h.pipeline.stats().deferred).toMatchObject({ buffered: 20, flushed: 10, discarded: 10 });
  });
});

describe('deferred logging: bounded memory', () => {
  it('keeps the newest records per execution and counts the oldest it evicts (record cap)', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_MAX_RECORDS: '3' });
    runWithExecution(() => {
      for (let i = 1; i <= 5; i++) emit(h.logger(), DEBUG, `d${i}`);
      emit(h.logger(), ERROR, 'failed');
    });
    expect(await h.bodies()).toEqual(['d3', 'd4', 'd5', 'failed']);
    expect(h.pipeline.stats().deferred!.dropped).toEqual({ evicted_record_cap: 2 });
  });

  it('evicts by estimated bytes per execution', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_MAX_BYTES: '4KiB' });
    runWithExecution(() => {
      for (let i = 0; i < 10; i++) emit(h.logger(), DEBUG, `${i}`.padEnd(1000, '.'));
      emit(h.logger(), ERROR, 'failed');
    });
    const bodies = (await h.bodies()) as string[];
    const dropped = h.pipeline.stats().deferred!.dropped as Record<string, number>;
    expect(dropped.evicted_byte_cap).toBeGreaterThan(0);
    expect(bodies).toHaveLength(11 - dropped.evicted_byte_cap!);
    expect(bodies.at(-2)!.startsWith('9')).toBe(true);
  });

  it('keeps all executions together under the total cap, taking from the oldest execution first', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_MAX_TOTAL_BYTES: '8KiB' });
    const executions = Array.from({ length: 10 }, () => beginExecution());
    for (const execution of executions) {
      enterExecution(execution, () => {
        for (let i = 0; i < 5; i++) emit(h.logger(), DEBUG, 'x'.repeat(200));
      });
    }
    const stats = h.pipeline.stats().deferred!;
    expect(stats.held_bytes).toBeLessThanOrEqual(8 * 1024);
    expect((stats.dropped as Record<string, number>).evicted_total_cap).toBe(50 - (stats.held_records as number));
    executions.at(-1)!.fail();
    endExecution(executions.at(-1)!);
    expect(await h.bodies()).toHaveLength(5);
    for (const execution of executions) endExecution(execution);
  });

  it('expires the history of an execution that never ends (leaked context), counted as expired', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_TTL: '40' });
    const leaked = beginExecution();
    enterExecution(leaked, () => emit(h.logger(), DEBUG, 'leaked detail'));
    expect(h.pipeline.stats().deferred).toMatchObject({ held_records: 1, held_executions: 1 });
    await expect.poll(() => h.pipeline.stats().deferred!.held_records, { interval: 20, timeout: 5000 }).toBe(0);
    expect(h.pipeline.stats().deferred).toMatchObject({ held_executions: 0, dropped: { expired: 1 } });
  });

  it('keeps the history of a long execution that keeps logging past the TTL (the TTL counts idle time)', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_TTL: '300' });
    const job = beginExecution();
    for (let i = 0; i < 10; i++) {
      enterExecution(job, () => emit(h.logger(), DEBUG, `batch ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    job.fail('last batch failed');
    endExecution(job);
    expect(await h.bodies()).toHaveLength(10);
    expect(h.pipeline.stats().deferred!.dropped).toEqual({});
  });

  it('counts what is still held at shutdown', async () => {
    const h = startPipeline();
    enterExecution(beginExecution(), () => emit(h.logger(), DEBUG, 'in flight'));
    await h.close();
    expect(h.pipeline.stats().deferred).toMatchObject({ held_records: 0, dropped: { shutdown: 1 } });
  });
});

describe('deferred logging: records outside any execution', () => {
  it('go to a bounded ring buffer that an error record flushes', async () => {
    const h = startPipeline({ OTEL_LOGKIT_DEFERRED_GLOBAL_MAX_RECORDS: '2' });
    for (let i = 1; i <= 4; i++) emit(h.logger(), DEBUG, `g${i}`);
    expect(await h.bodies()).toEqual([]);
    emit(h.logger(), ERROR, 'startup failed');
    expect(await h.bodies()).toEqual(['g3', 'g4', 'startup failed']);
    expect(h.pipeline.stats().deferred!.dropped).toEqual({ evicted_record_cap: 2 });
  });
});

describe('deferred logging: a local root span ending with status ERROR', () => {
  it('flushes the executions that hold records of its trace (DeferredFlushSpanProcessor, real TracerProvider)', async () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    const { context } = await import('@opentelemetry/api');
    context.setGlobalContextManager(contextManager);
    const tracerProvider = new TracerProvider({ spanProcessors: [new DeferredFlushSpanProcessor()] });
    const tracer = tracerProvider.getTracer('test');
    const h = startPipeline();
    const log = h.logger();
    try {
      await runWithExecution(async () => {
        await tracer.startActiveSpan('GET /orders', async (root) => {
          emit(log, DEBUG, 'query took 900 ms');
          await tracer.startActiveSpan('db', async (child) => {
            emit(log, DEBUG, 'inside child span');
            child.setStatus({ code: SpanStatusCode.ERROR });
            child.end(); // not a root: flushes nothing
          });
          expect(await h.bodies()).toEqual([]);
          root.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
          root.end();
        });
        emit(log, DEBUG, 'after the failed span');
      });
      const records = await h.records();
      expect(records.map((r) => r.body)).toEqual(['query took 900 ms', 'inside child span', 'after the failed span']);
      expect(records[0]!.spanContext?.traceId).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await tracerProvider.shutdown();
      context.disable();
      trace.disable();
    }
  });
});

describe('held records', () => {
  it('are held as their encoded bytes — counted at their encoded size — and come out as they were logged', async () => {
    const h = startPipeline();
    const log = h.logger();
    const execution = beginExecution();
    const heldBytes = () => (h.pipeline.stats().deferred as { held_bytes: number }).held_bytes;
    enterExecution(execution, () => log.emit({ severityNumber: DEBUG, body: 'x'.repeat(10), attributes: { step: 1 } }));
    const first = heldBytes();
    enterExecution(execution, () => log.emit({ severityNumber: DEBUG, body: 'x'.repeat(10), attributes: { step: 2 } }));
    const small = heldBytes() - first;
    enterExecution(execution, () => log.emit({ severityNumber: DEBUG, body: 'x'.repeat(1010), attributes: { step: 3 } }));
    const large = heldBytes() - first - small;
    // 1,000 more characters of body: 1,000 more bytes, plus one for each length prefix that grew from one
    // byte to two (the string's and its AnyValue's) — the encoding itself, not an estimate of objects.
    expect(large - small).toBe(1002);
    enterExecution(execution, () => log.emit({ severityNumber: DEBUG, body: { order: { id: 7, lines: ['a', 'b'] } }, attributes: { step: 4 } }));
    execution.fail('checkout failed');
    endExecution(execution);
    const records = await h.records();
    expect(records.map((r) => r.body)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(1010), { order: { id: 7, lines: ['a', 'b'] } }]);
    expect(records.map((r) => [r.attributes.step, r.attributes['logkit.deferred']])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
    ]);
  });
});
