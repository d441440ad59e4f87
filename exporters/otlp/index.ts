import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { createDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { HttpTransport } from '../delivery/transport.js';
import { watchedTransport } from '../delivery/watched-transport.js';
import { type OtlpExporterConfig, type OtlpExporterOptions, parseOtlpExporterConfig } from './config.js';
import { OtlpProtocol } from './protocol.js';

/** `OTEL_LOGS_EXPORTER=otlp`: OTLP/HTTP to a Collector or any OTLP backend, through the shared delivery core. */
export function createOtlpDestination(config: OtlpExporterConfig, delivery: DeliverySettings, ctx: StageContext): LogStage {
  const transport = new HttpTransport(config.endpoint, config.http, delivery.batch.maxInFlight);
  return createDestination(
    {
      name: 'otlp',
      protocol: new OtlpProtocol(config.protocol, config.compression),
      transport: watchedTransport(transport, ctx.health?.watch('otlp', config.endpoint)),
      delivery,
    },
    ctx,
  );
}

export const otlpDestination: DestinationDescriptor<'otlp', OtlpExporterConfig, OtlpExporterOptions> = {
  name: 'otlp',
  parse: parseOtlpExporterConfig,
  create: (config, delivery, ctx) => createOtlpDestination(config, delivery, ctx),
};
