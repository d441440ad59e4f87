import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { createHttpDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { type OtlpExporterConfig, type OtlpExporterOptions, parseOtlpExporterConfig } from './config.js';
import { OtlpProtocol } from './protocol.js';

/** `OTEL_LOGS_EXPORTER=otlp`: OTLP/HTTP to a Collector or any OTLP backend, through the shared delivery core. */
export function createOtlpDestination(config: OtlpExporterConfig, delivery: DeliverySettings, ctx: StageContext): LogStage {
  return createHttpDestination(
    { name: 'otlp', protocol: new OtlpProtocol(config.protocol, config.compression), endpoint: config.endpoint, http: config.http, delivery },
    ctx,
  );
}

export const otlpDestination: DestinationDescriptor<'otlp', OtlpExporterConfig, OtlpExporterOptions> = {
  name: 'otlp',
  parse: parseOtlpExporterConfig,
  create: (config, delivery, ctx) => createOtlpDestination(config, delivery, ctx),
};
