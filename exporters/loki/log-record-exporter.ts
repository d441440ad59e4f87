import { DestinationLogRecordExporter, type DestinationExporterOptions } from '../delivery/log-record-exporter.js';
import type { LokiOptions } from './config.js';
import { lokiDestination } from './index.js';

/**
 * Our Loki destination (native push API, stream labels with a cardinality guard) as an SDK
 * `LogRecordExporter`, with its durable queue. Reads `OTEL_LOGKIT_LOKI_*`; options override them.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: new LokiLogRecordExporter({ endpoint: 'http://loki:3100', labels: ['service.name', 'severity'] }) });
 */
export class LokiLogRecordExporter extends DestinationLogRecordExporter<LokiOptions> {
  constructor(options: LokiOptions & DestinationExporterOptions = {}) {
    super(lokiDestination, options);
  }
}
