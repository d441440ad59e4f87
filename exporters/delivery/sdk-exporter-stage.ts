import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpDouble } from '../../src/core/otlp-values.js';
import { type LogkitRecord, type LogMap, type LogValue, setMapEntry } from '../../src/core/record.js';
import { severityBand } from '../../src/core/severity.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import type { ReasonCounts } from '../../src/core/stats.js';
import { DeliveryReasonCounter } from './reasons.js';
import { DEFAULT_DELIVERY, type BatchSettings } from './settings.js';
import { untraced } from './untraced.js';

/** `stats().exporter` (`exporter_0`, … with several), `stats().console`: an SDK `LogRecordExporter` fed by the pipeline. */
export type SdkExporterStatsSection = {
  received: number;
  exported: number;
  failed: number;
  dropped: ReasonCounts;
  queued: number;
};

/**
 * Feeds any SDK `LogRecordExporter` in batches, one export in flight, counting every outcome. Batches
 * follow the configured settings like every other destination: `maxRecords` per export, `delayMs` at
 * most before a partial batch goes, `maxQueueRecords` waiting (beyond it the oldest record of the least
 * severe band is dropped — audit records last — counted `dropped.queue_full`). Exports run untraced, as the SDK's own processors run them.
 *
 * @example
 * const stage = new SdkExporterStage('console', new ConsoleLogRecordExporter(), ctx, settings.batch);
 */
export class SdkExporterStage implements LogStage {
  private queue: LogkitRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private received = 0;
  private exported = 0;
  private failed = 0;
  private readonly dropped = new DeliveryReasonCounter();

  constructor(
    name: string,
    private readonly exporter: LogRecordExporter,
    ctx: StageContext,
    private readonly batch: Pick<BatchSettings, 'maxRecords' | 'maxQueueRecords' | 'delayMs'> = DEFAULT_DELIVERY.batch,
  ) {
    ctx.stats.register(name, (): SdkExporterStatsSection => ({
      received: this.received,
      exported: this.exported,
      failed: this.failed,
      dropped: this.dropped.toJSON(),
      queued: this.queue.length,
    }), { gauges: ['queued'] });
  }

  write(record: LogkitRecord): WriteVerdict {
    this.received++;
    if (this.closed) {
      this.dropped.add('shutdown');
      return 'lost';
    }
    if (this.queue.length >= this.batch.maxQueueRecords) {
      // The oldest of the least severe band goes first (an audit record counts as the most severe), as
      // in the delivery core's own queue; the scan happens only under overload.
      this.queue.splice(leastSevereOldest(this.queue), 1);
      this.dropped.add('queue_full');
    }
    this.queue.push(record);
    if (this.queue.length >= this.batch.maxRecords) this.drain();
    else this.timer ??= setTimeout(() => this.drain(), this.batch.delayMs).unref();
    return 'taken';
  }

  async forceFlush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight) {
      this.drain();
      await this.inFlight;
    }
    await this.exporter.forceFlush().catch((error: unknown) => diag.error('otel-logkit: exporter forceFlush failed', error));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    await this.forceFlush();
    this.closed = true;
    await this.exporter.shutdown().catch((error: unknown) => diag.error('otel-logkit: exporter shutdown failed', error));
  }

  private drain(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.batch.maxRecords);
    this.inFlight = new Promise<void>((resolve) => {
      try {
        untraced(() => this.exporter.export(batch.map(sdkRecord) as unknown as ReadableLogRecord[], (result) => {
          if (result.code === ExportResultCode.SUCCESS) this.exported += batch.length;
          else {
            this.failed += batch.length;
            diag.error('otel-logkit: export failed', result.error);
          }
          resolve();
        }));
      } catch (error) {
        this.failed += batch.length;
        diag.error('otel-logkit: export threw', error);
        resolve();
      }
    }).then(() => {
      this.inFlight = undefined;
      if (this.queue.length >= this.batch.maxRecords) this.drain();
      else if (this.queue.length > 0) this.timer ??= setTimeout(() => this.drain(), this.batch.delayMs).unref();
    });
  }
}

/** The index of the oldest record in the lowest severity band present. */
function leastSevereOldest(queue: readonly LogkitRecord[]): number {
  let index = 0;
  let band = severityBand(queue[0]!);
  for (let i = 1; i < queue.length && band > 0; i++) {
    const b = severityBand(queue[i]!);
    if (b < band) {
      band = b;
      index = i;
    }
  }
  return index;
}

/**
 * The record as an SDK exporter can read it: an SDK knows only JS values, and would write an
 * OtlpDouble (a received whole-number double) as a map `{ value: 1 }`; it gets the number instead,
 * which it writes as an int, the nearest it can say. The record itself (shared with the other
 * destinations) is never changed: a record without one is passed as it is, one with one is copied.
 */
function sdkRecord(record: LogkitRecord): LogkitRecord {
  const attributes = plainNumbers(record.attributes) as LogMap;
  const body = plainNumbers(record.body);
  return attributes === record.attributes && body === record.body ? record : { ...record, attributes, body };
}

function plainNumbers(value: LogValue): LogValue {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (value instanceof OtlpDouble) return value.value;
  if (Array.isArray(value)) {
    let out: LogValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = plainNumbers(value[i]);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  let out: LogMap | undefined;
  for (const key of Object.keys(value)) {
    const item = plainNumbers(value[key]);
    if (item !== value[key]) setMapEntry((out ??= { ...value }), key, item);
  }
  return out ?? value;
}
