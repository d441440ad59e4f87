import { ConsoleLogRecordExporter } from '@opentelemetry/sdk-logs';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { SdkExporterStage, type SdkExporterStatsSection } from '../delivery/sdk-exporter-stage.js';

/**
 * `OTEL_LOGS_EXPORTER=console`: the SDK's own console exporter, as the spec names it, fed in batches.
 * Writing to stdout cannot fail the way a network does, so it takes no spool or retry.
 */
export const consoleDestination: DestinationDescriptor<'console', Record<string, never>, never, SdkExporterStatsSection> = {
  name: 'console',
  optionKeys: {},
  parse: () => ({}),
  onApplicationThread: true,
  create: (_config, delivery, ctx) => new SdkExporterStage('console', new ConsoleLogRecordExporter(), ctx, delivery.batch),
};
