import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { awayFromApplicationThread, createDestinationsStage } from '../exporters/index.js';
import { createAuditStage } from '../processors/audit/index.js';
import { createRedactionStage } from '../processors/redaction/index.js';
import { archiveConfigured } from './archive/config.js';
import { createArchive, createArchiveStage, useArchive } from './archive/index.js';
import type { LogkitConfig } from './config.js';
import type { LogStage, StageContext } from './core/stage.js';

/**
 * Which part of the pipeline the delivery worker runs (`OTEL_LOGKIT_DELIVERY_THREAD=worker`):
 *
 * - `tail`: redaction, audit and the destinations — everything after sampling, which needs none of
 *   the caller's context. The application's thread then only copies, enriches and samples.
 * - `destinations`: only the named destinations, when something after redaction must stay on the
 *   application's thread: SDK exporters given in code, the console exporter (writes to this process's
 *   stdout), payload archiving (shared with the application's `archive()` calls), or the audit chain
 *   (its sequence numbers are given at emit, so a record lost in a crash shows as a gap in the chain).
 */
export type WorkerPart = 'tail' | 'destinations';

export function workerPart(config: LogkitConfig, userExporters: readonly LogRecordExporter[]): WorkerPart | undefined {
  const { exporters, delivery } = config;
  if (delivery.settings.thread !== 'worker') return undefined;
  const away = awayFromApplicationThread(exporters, delivery);
  if (away.length === 0 && delivery.routing.rules.length === 0) return undefined;
  const auditing = config.audit.enabled && config.audit.signingKey !== undefined;
  const tailCanGo = userExporters.length === 0 && away.length === exporters.length && !archiveConfigured(config.archive) && !auditing;
  return tailCanGo ? 'tail' : 'destinations';
}

/** Redaction → archive → audit → `exportStage`, as the application's thread or the worker builds it. */
export function createTail(config: LogkitConfig, ctx: StageContext, exportStage: LogStage): LogStage {
  const audit = createAuditStage(config.audit, ctx, exportStage);
  const archive = createArchive(config.archive, config.redaction);
  useArchive(archive);
  const archiving = createArchiveStage(archive, config.archive, ctx, audit);
  return createRedactionStage(config.redaction, ctx, archiving);
}

/** What the delivery worker builds for its part. */
export function createWorkerPart(part: WorkerPart, config: LogkitConfig, ctx: StageContext): LogStage {
  const destinations = createDestinationsStage(awayFromApplicationThread(config.exporters, config.delivery), config.delivery, ctx);
  return part === 'tail' ? createTail(config, ctx, destinations) : destinations;
}
