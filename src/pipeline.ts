import { diag, logs, type SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordExporter, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Resource } from '@opentelemetry/resources';
import { createExportStage } from '../exporters/index.js';
import { createLinkFor, type LogLinks } from '../exporters/links.js';
import { createAuditStage } from '../processors/audit/index.js';
import { createArchive, createArchiveStage, useArchive } from './archive/index.js';
import { createEnrichmentStage } from '../processors/enrichment/index.js';
import { createRedactionStage } from '../processors/redaction/index.js';
import { createSamplingStage } from '../processors/sampling/index.js';
import { type LogkitConfig, type LogkitOptions, resolveConfig } from './config.js';
import { LogkitError } from './core/errors.js';
import { configureExecutions } from './core/execution.js';
import { GuardedLoggerProvider } from './guarded-provider.js';
import { LogkitProcessor } from './processor.js';
import { buildResource } from './resource.js';
import type { StageContext } from './core/stage.js';
import { PipelineStats, type StatsSection } from './core/stats.js';

/** What `createLogPipeline` and `registerLogPipeline` give back. */
export interface LogPipeline {
  /** Delivers everything accepted so far (or spools it) before resolving. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and stops every stage; idempotent. Never rejects. */
  shutdown(): Promise<void>;
  /** What happened to the records, per stage: received, dropped by reason, exported, failed … */
  stats(): Record<string, StatsSection>;
  /** Changes a severity threshold at runtime; `pattern` is a logger-name pattern (`billing.*`) or `*`. */
  setLevel(pattern: string, level: SeverityNumber | string): void;
  /**
   * Links that open the records of one correlation id (default: the current execution's global id) in
   * Grafana Explore and Kibana Discover, for alert messages; empty when no `OTEL_LOGKIT_LINK_BASE_*` is set.
   */
  linkFor(correlationId?: string): LogLinks;
  /** The validated configuration the pipeline runs with. */
  readonly config: LogkitConfig;
}

/** The pipeline as SDK parts, for `new NodeSDK({ logRecordProcessors })` or `new LoggerProvider({ processors })`. */
export interface LogPipelineParts extends LogPipeline {
  /** Our processors in the right order; pass them to your provider. */
  readonly processors: LogRecordProcessor[];
  /** The resource built from the environment, for a hand-built `LoggerProvider`. */
  readonly resource: Resource;
}

/**
 * Builds the pipeline without registering anything globally: hand `processors` to NodeSDK or to your
 * own LoggerProvider. Configuration errors throw here, at startup, and never later.
 *
 * @example
 * const logkit = createLogPipeline();
 * const sdk = new NodeSDK({ logRecordProcessors: logkit.processors });
 * sdk.start();
 */
export function createLogPipeline(options: LogkitOptions = {}): LogPipelineParts {
  const config = resolveConfig(options);
  configureExecutions({ globalIdFromTrace: config.enrichment.globalIdFromTrace });
  const stats = new PipelineStats();
  const resource = buildResource(config.resource);
  const linkFor = createLinkFor(config.delivery);
  if (config.disabled) {
    return {
      config,
      resource,
      processors: [],
      forceFlush: async () => {},
      shutdown: async () => {},
      stats: () => stats.snapshot(),
      setLevel: () => {},
      linkFor,
    };
  }
  const ctx: StageContext = { stats, resource };
  const userExporters: LogRecordExporter[] = options.exporter === undefined ? [] : ([] as LogRecordExporter[]).concat(options.exporter);
  const exportStage = createExportStage(config.exporters, config.delivery, ctx, userExporters);
  const audit = createAuditStage(config.audit, ctx, exportStage);
  const archive = createArchive(config.archive, config.redaction);
  useArchive(archive);
  const archiving = createArchiveStage(archive, config.archive, ctx, audit);
  const redaction = createRedactionStage(config.redaction, ctx, archiving);
  const sampling = createSamplingStage(config.sampling, ctx, redaction);
  const enrichment = createEnrichmentStage(config.enrichment, ctx, sampling);
  const processor = new LogkitProcessor(enrichment, config.limits, stats, sampling);
  if (options.meterProvider) stats.bindMeter(options.meterProvider);
  return {
    config,
    resource,
    processors: [processor],
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
    stats: () => stats.snapshot(),
    setLevel: (pattern, level) => sampling.setLevel(pattern, level),
    linkFor,
  };
}

export interface RegisterOptions extends LogkitOptions {
  /** Flush on SIGTERM/SIGINT (then let the signal end the process as usual) and on `beforeExit`. Default true. */
  handleProcessEvents?: boolean;
}

/** How long a signal handler waits for the last records before letting the process go. */
const SIGNAL_FLUSH_TIMEOUT_MS = 5000;

/**
 * One call: builds the pipeline, a `LoggerProvider` with our resource and limits, sets it as the
 * global logger provider, and flushes on SIGTERM/SIGINT/beforeExit.
 *
 * @example
 * import { registerLogPipeline } from 'otel-logkit';
 * import { logs, SeverityNumber } from '@opentelemetry/api';
 * registerLogPipeline();
 * logs.getLogger('billing').emit({ severityNumber: SeverityNumber.INFO, body: 'card charged' });
 */
export function registerLogPipeline(options: RegisterOptions = {}): LogPipeline & { readonly provider: LoggerProvider } {
  const parts = createLogPipeline(options);
  const provider = new LoggerProvider({
    resource: parts.resource,
    processors: parts.processors,
    logRecordLimits: {
      attributeCountLimit: parts.config.limits.attributeCountLimit,
      attributeValueLengthLimit: parts.config.limits.attributeValueLengthLimit,
    },
  });
  const guarded = new GuardedLoggerProvider(provider, parts.config.limits);
  if (!logs.setGlobalLoggerProvider(guarded)) {
    void provider.shutdown();
    throw new LogkitError(
      'LOGKIT_ALREADY_REGISTERED',
      'a global OTel logger provider is already registered (NodeSDK registers one): pass createLogPipeline().processors to it instead, or call logs.disable() first',
    );
  }
  let release = () => {};
  let closing: Promise<void> | undefined;
  const handle = {
    config: parts.config,
    provider,
    stats: () => ({ ...parts.stats(), sdk: { emit_errors: guarded.emitErrors, attributes_cleaned: guarded.attributesCleaned } }),
    setLevel: parts.setLevel,
    linkFor: parts.linkFor,
    forceFlush: () => parts.forceFlush(),
    shutdown: () => {
      closing ??= (async () => {
        release();
        await provider.shutdown().catch((error: unknown) => diag.error('otel-logkit: provider shutdown failed', error));
        logs.disable();
      })();
      return closing;
    },
  };
  if (options.handleProcessEvents !== false) release = flushOnProcessEvents(handle);
  return handle;
}

function flushOnProcessEvents(pipeline: LogPipeline): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const done = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // We replaced Node's default handler; if nobody else listens, end the process the way it would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    const timer = setTimeout(done, SIGNAL_FLUSH_TIMEOUT_MS);
    void pipeline.shutdown().finally(() => {
      clearTimeout(timer);
      done();
    });
  };
  let flushedAt = -1;
  const onBeforeExit = () => {
    // beforeExit fires again after our async flush; flush only when something new arrived.
    const received = Number(pipeline.stats().pipeline?.received ?? 0);
    if (received === flushedAt) return;
    flushedAt = received;
    void pipeline.forceFlush();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('beforeExit', onBeforeExit);
  };
}
