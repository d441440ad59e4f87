import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SettingsReader } from '../../src/core/env.js';
import type { LogkitRecord } from '../../src/core/record.js';
import type { StageContext } from '../../src/core/stage.js';
import { PipelineStats } from '../../src/core/stats.js';
import { parseDeliverySettings } from '../../exporters/delivery/config.js';
import type { DeliverySettings } from '../../exporters/delivery/settings.js';

export const testResource = resourceFromAttributes({ 'service.name': 'delivery-spec' });
export const testScope = { name: 'delivery.spec', version: '1.0.0' };

/** A record as the pipeline hands it to an exporter stage (after snapshot, enrichment and redaction). */
export function record(body: string, severityNumber: SeverityNumber = SeverityNumber.INFO, attributes: LogkitRecord['attributes'] = Object.create(null)): LogkitRecord {
  const now = Date.now();
  return {
    hrTime: [Math.floor(now / 1000), (now % 1000) * 1e6],
    hrTimeObserved: [Math.floor(now / 1000), (now % 1000) * 1e6 + 1],
    severityNumber,
    severityText: undefined,
    body,
    resource: testResource,
    instrumentationScope: testScope,
    attributes,
    droppedAttributesCount: 0,
  };
}

/** A stage context of its own, so a destination is tested alone, without the stages in front of it. */
export function stageContext(): StageContext & { stats: PipelineStats } {
  return { stats: new PipelineStats(), resource: testResource };
}

/** Delivery settings read from variables, with fast defaults for tests: small batches, short delays and backoffs. */
export function deliverySettings(env: Record<string, string> = {}): DeliverySettings {
  return parseDeliverySettings(
    new SettingsReader({
      OTEL_BLRP_SCHEDULE_DELAY: '5',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '50',
      OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
      OTEL_LOGKIT_RETRY_MAX_BACKOFF: '40',
      OTEL_BLRP_EXPORT_TIMEOUT: '10000',
      ...env,
    }),
  );
}
