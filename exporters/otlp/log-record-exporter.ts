import { DestinationLogRecordExporter, type DestinationExporterOptions } from '../delivery/log-record-exporter.js';
import type { OtlpExporterOptions } from './config.js';
import { otlpDestination } from './index.js';

/**
 * Our OTLP/HTTP destination as an SDK `LogRecordExporter`: the stock `OTLPLogExporter`'s variables
 * (`OTEL_EXPORTER_OTLP_LOGS_*`), plus a durable spool, retries and a dead-letter directory. Use it under
 * the stock `BatchLogRecordProcessor` where the stock exporter would lose records when the Collector is down.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: new OtlpLogRecordExporter({ endpoint: 'http://collector:4318/v1/logs', delivery: { spoolDir: '/var/spool/app' } }) });
 */
export class OtlpLogRecordExporter extends DestinationLogRecordExporter<OtlpExporterOptions> {
  constructor(options: OtlpExporterOptions & DestinationExporterOptions = {}) {
    super(otlpDestination, options);
  }
}
