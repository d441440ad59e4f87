import { DestinationLogRecordExporter, type DestinationExporterOptions } from '../delivery/log-record-exporter.js';
import type { FileExporterOptions } from './config.js';
import { fileDestination } from './index.js';

/**
 * Our file destination (OTLP-JSON lines, rotated by size) as an SDK `LogRecordExporter`. Reads
 * `OTEL_LOGKIT_FILE_DIR` and `OTEL_LOGKIT_FILE_MAX_BYTES`; options override them.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: new FileLogRecordExporter({ dir: './otel-logs' }) });
 */
export class FileLogRecordExporter extends DestinationLogRecordExporter<FileExporterOptions> {
  constructor(options: FileExporterOptions & DestinationExporterOptions = {}) {
    super(fileDestination, options);
  }
}
