import { type Context, diag, SeverityNumber } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { SILENCE_ATTRIBUTES } from '../core/attributes.js';
import type { LogkitRecord, LogMap } from '../core/record.js';
import { isoNanos, resourceAttributes } from '../core/record-fields.js';
import type { LogStage, StageContext, WriteVerdict } from '../core/stage.js';
import type { LabeledSample } from './prometheus.js';

/** The instrumentation scope of the records the collector writes about silent services. */
export const SILENCE_SCOPE = { name: 'otel-logkit.collector.silence' };

/** Services watched at most; a collector fed by more counts the others in `unwatched`. */
const MAX_SERVICES = 10_000;

/** A sending service, as its resource names it. */
interface HeardService {
  readonly name: string;
  readonly instanceId: string;
  lastHeard: number;
  silent: boolean;
}

/** `stats().silence`, present when `OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER` is set. */
export type SilenceStatsSection = {
  /** Services heard since the start (gauge). */
  services: number;
  /** Services silent now (gauge). */
  silent: number;
  /** Silences reported (one WARN record each). */
  reported: number;
  /** Silent services heard from again. */
  returned: number;
  /** Services not watched because {@link MAX_SERVICES} were. */
  unwatched: number;
};

/**
 * Notices a service that stops sending: a service (`service.name` + `service.instance.id` of the
 * resource) that sent records and then none for longer than `afterMs` is silent — shown as
 * `otel_logkit_service_silent{service_name, service_instance_id} 1` on `/metrics` (0 once it sends
 * again) and said once in a WARN record written into the collector's chain, naming the service and
 * when it was last heard. Stands in front of the collector's entry stage, so every input is watched.
 *
 * A service that stops on purpose (scaled in, redeployed under a new instance id) is reported too:
 * silence is judged by arrival, not by intent.
 */
export class SilenceWatch implements LogStage {
  private readonly services = new Map<string, HeardService>();
  private readonly byResource = new WeakMap<Resource, HeardService | null>();
  private readonly timer: NodeJS.Timeout;
  private silentNow = 0;
  private reported = 0;
  private returned = 0;
  private unwatched = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly afterMs: number,
    /** Where records go on, and where the WARN records are written: the collector's chain entry. */
    private readonly next: LogStage,
    private readonly ctx: StageContext,
    private readonly now: () => number = Date.now,
  ) {
    ctx.stats.register(
      'silence',
      (): SilenceStatsSection => ({ services: this.services.size, silent: this.silentNow, reported: this.reported, returned: this.returned, unwatched: this.unwatched }),
      { gauges: ['services', 'silent'] },
    );
    // Checked often enough that a silence is reported within a second of its limit.
    this.timer = setInterval(() => this.check(), Math.max(20, Math.min(1000, Math.floor(afterMs / 4)))).unref();
  }

  write(record: LogkitRecord, context?: Context): WriteVerdict {
    const service = this.serviceOf(record.resource);
    if (service !== undefined) {
      service.lastHeard = this.now();
      if (service.silent) {
        service.silent = false;
        this.silentNow--;
        this.returned++;
      }
    }
    return this.next.write(record, context);
  }

  /** `otel_logkit_service_silent`: one sample per service heard, 1 while it is silent. */
  samples(): LabeledSample[] {
    const out: LabeledSample[] = [];
    for (const service of this.services.values()) {
      out.push({ labels: { service_name: service.name, service_instance_id: service.instanceId }, value: service.silent ? 1 : 0 });
    }
    return out;
  }

  /** Stops looking (the collector is draining: its senders are being turned away, not falling silent). */
  stopWatching(): void {
    clearInterval(this.timer);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.stopWatching();
      await this.next.shutdown();
    })();
    return this.closing;
  }

  private serviceOf(resource: Resource): HeardService | undefined {
    const known = this.byResource.get(resource);
    if (known !== undefined) return known ?? undefined;
    const attributes = resourceAttributes(resource);
    const name = String(attributes['service.name'] ?? '');
    const instanceId = String(attributes['service.instance.id'] ?? '');
    const key = `${name.length}:${name}${instanceId}`;
    let service = this.services.get(key);
    if (service === undefined) {
      if (this.services.size >= MAX_SERVICES) {
        this.unwatched++;
        this.byResource.set(resource, null);
        return undefined;
      }
      service = { name, instanceId, lastHeard: this.now(), silent: false };
      this.services.set(key, service);
    }
    this.byResource.set(resource, service);
    return service;
  }

  private check(): void {
    const now = this.now();
    for (const service of this.services.values()) {
      if (service.silent || now - service.lastHeard <= this.afterMs) continue;
      service.silent = true;
      this.silentNow++;
      this.reported++;
      this.warn(service);
    }
  }

  private warn(service: HeardService): void {
    const lastHeard = isoNanos(millisToHrTime(service.lastHeard));
    const attributes: LogMap = {};
    attributes[SILENCE_ATTRIBUTES.serviceName] = service.name;
    attributes[SILENCE_ATTRIBUTES.serviceInstanceId] = service.instanceId;
    attributes[SILENCE_ATTRIBUTES.lastSeen] = lastHeard;
    attributes[SILENCE_ATTRIBUTES.afterMs] = this.afterMs;
    const now = millisToHrTime(this.now());
    const instance = service.instanceId === '' ? '' : ` (instance ${service.instanceId})`;
    const record: LogkitRecord = {
      hrTime: now,
      hrTimeObserved: now,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: `service ${service.name}${instance} has sent no records for more than ${this.afterMs} ms; last heard at ${lastHeard}`,
      resource: this.ctx.resource,
      instrumentationScope: SILENCE_SCOPE,
      attributes,
      droppedAttributesCount: 0,
    };
    if (this.next.write(record) === 'lost') diag.warn(`otel-logkit: collector: the record saying ${service.name} is silent could not be queued`);
  }
}
