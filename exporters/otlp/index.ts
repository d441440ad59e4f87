import type { LogStage, StageContext } from '../../src/stage.js';
import { createHttpDestination } from '../core/destination.js';
import type { DeliverySettings } from '../core/settings.js';
import type { OtlpExporterConfig } from './config.js';
import { OtlpProtocol } from './protocol.js';

/** `OTEL_LOGS_EXPORTER=otlp`: OTLP/HTTP to a Collector or any OTLP backend, through the shared delivery core. */
export function createOtlpDestination(config: OtlpExporterConfig, delivery: DeliverySettings, ctx: StageContext): LogStage {
  return createHttpDestination(
    { name: 'otlp', protocol: new OtlpProtocol(config.protocol, config.compression), endpoint: config.endpoint, http: config.http, delivery },
    ctx,
  );
}
