import type { LogkitRecord } from '../../src/core/record.js';
import type { LogStage, StageContext } from '../../src/core/stage.js';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { createDestination } from '../delivery/destination.js';
import type { Protocol, Verdict, WireRequest } from '../delivery/protocol.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { encodeOtlpJsonBytes } from '../codec/encode-json.js';
import { FILE_OPTION_KEYS, type FileExporterConfig, type FileExporterOptions, parseFileExporterConfig } from './config.js';
import { FileTransport } from './file-transport.js';

/** One `ExportLogsServiceRequest` per line, as the Collector's file exporter writes them. */
class OtlpJsonLinesProtocol implements Protocol {
  readonly name = 'file';

  encode(records: readonly LogkitRecord[]): WireRequest {
    return { path: '', headers: {}, body: encodeOtlpJsonBytes(records, '\n') };
  }

  classify(): Verdict {
    return { kind: 'ok' };
  }
}

/**
 * `OTEL_LOGS_EXPORTER=file`: OTLP-JSON lines under `OTEL_LOGKIT_FILE_DIR` (./otel-logs/), through the
 * same batching, spool and counting as every network destination.
 */
export function createFileDestination(config: FileExporterConfig, delivery: DeliverySettings, ctx: StageContext): LogStage {
  return createDestination({ name: 'file', protocol: new OtlpJsonLinesProtocol(), transport: new FileTransport(config), delivery }, ctx);
}

export const fileDestination: DestinationDescriptor<'file', FileExporterConfig, FileExporterOptions> = {
  name: 'file',
  optionKeys: FILE_OPTION_KEYS,
  parse: parseFileExporterConfig,
  create: (config, delivery, ctx) => createFileDestination(config, delivery, ctx),
};
