export { createLogPipeline, registerLogPipeline, type LogPipeline, type LogPipelineParts, type RegisterOptions } from './pipeline.js';
export { resolveConfig, EXPORTER_NAMES, type ExporterName, type LogkitConfig, type LogkitOptions } from './config.js';
export {
  runWithExecution,
  currentExecution,
  beginExecution,
  enterExecution,
  endExecution,
  onExecutionEnd,
  Execution,
  type ExecutionFields,
  type ExecutionOutcome,
} from './execution.js';
export { LogkitError, ConfigError, type LogkitErrorCode } from './errors.js';
export type { LogkitRecord, LogValue, LogMap } from './record.js';
export type { LogStage } from './stage.js';
export type { StatsSection } from './stats.js';
export { parseSeverity, severityName } from './severity.js';
