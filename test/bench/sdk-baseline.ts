import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogStage } from '../../src/core/stage.js';

/** The exporter of the stock-SDK baseline: accepts everything at once, so only the SDK's own work is measured. */
export const noopExporter: LogRecordExporter = {
  export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** The stage behind the stage under measurement: takes records and does nothing. */
export const noopStage: LogStage = { write: () => 'taken', forceFlush: async () => {}, shutdown: async () => {} };
