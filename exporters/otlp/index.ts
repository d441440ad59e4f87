import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { createDestination } from '../delivery/destination.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { HttpTransport } from '../delivery/transport.js';
import { watchedTransport } from '../delivery/watched-transport.js';
import { OTLP_OPTION_KEYS, type OtlpExporterConfig, type OtlpExporterOptions, parseOtlpExporterConfig } from './config.js';
import { otlpEndpointVariables } from './endpoint-variables.js';
import { OtlpGrpcProtocol } from './grpc-protocol.js';
import { GrpcTransport } from './grpc-transport.js';
import { OtlpProtocol } from './protocol.js';

/**
 * `OTEL_LOGS_EXPORTER=otlp`: OTLP/HTTP (protobuf or JSON) or OTLP/gRPC to a Collector or any OTLP
 * backend. Both are a protocol and a transport on the shared delivery core: batching, spool,
 * retries, dead-letter and stats are the same whichever the wire.
 */
export function createOtlpDestination(config: OtlpExporterConfig, delivery: DeliverySettings, ctx: StageContext): LogStage {
  const { protocol, transport } =
    config.protocol === 'grpc'
      ? { protocol: new OtlpGrpcProtocol(), transport: new GrpcTransport(config.endpoint, config.http, config.compression) }
      : { protocol: new OtlpProtocol(config.protocol, config.compression), transport: new HttpTransport(config.endpoint, config.http, delivery.batch.maxInFlight) };
  return createDestination(
    {
      name: 'otlp',
      protocol,
      transport: watchedTransport(transport, ctx.health?.watch('otlp', config.endpoint), { endpoint: config.endpoint, variables: otlpEndpointVariables(config) }),
      delivery,
    },
    ctx,
  );
}

export const otlpDestination: DestinationDescriptor<'otlp', OtlpExporterConfig, OtlpExporterOptions> = {
  name: 'otlp',
  optionKeys: OTLP_OPTION_KEYS,
  parse: parseOtlpExporterConfig,
  create: (config, delivery, ctx) => createOtlpDestination(config, delivery, ctx),
};
