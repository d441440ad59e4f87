import { type Logger, SeverityNumber } from '@opentelemetry/api';
import type { LogkitOptions } from '../../../src/index.js';
import { type PipelineFixture, pipelineFixture } from '../enrichment/fixture.js';

/** The shared real-SDK pipeline fixture, plus what the sampling tests look at: the bodies that got through. */
export interface SamplingHarness extends PipelineFixture {
  /** The bodies exported so far (audit records left out), after a flush. */
  bodies(): Promise<unknown[]>;
  close(): Promise<void>;
}

const open = new Set<SamplingHarness>();

export function startPipeline(env: Record<string, string> = {}, options: LogkitOptions = {}): SamplingHarness {
  const fixture = pipelineFixture({ ...options, env: { OTEL_SERVICE_NAME: 'sampling-test', ...env } });
  const harness: SamplingHarness = {
    ...fixture,
    logger: (name = 'app') => fixture.logger(name),
    bodies: async () => (await fixture.records()).filter((r) => r.attributes['logkit.audit'] !== true).map((r) => r.body),
    close: async () => {
      open.delete(harness);
      await fixture.shutdown();
    },
  };
  open.add(harness);
  return harness;
}

/** Shuts down every harness a test left open (their timers, watchers and execution listeners). */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((h) => h.close()));
}

export const DEBUG = SeverityNumber.DEBUG;
export const INFO = SeverityNumber.INFO;
export const WARN = SeverityNumber.WARN;
export const ERROR = SeverityNumber.ERROR;

export function emit(logger: Logger, severityNumber: SeverityNumber, body: string): void {
  logger.emit({ severityNumber, body });
}
