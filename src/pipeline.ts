import { encodedForHolding } from '../exporters/codec/frame-record.js';
import { diag, logs, type SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordExporter, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Resource } from '@opentelemetry/resources';
import { checkDestinations, createExportStage } from '../exporters/index.js';
import { createLinkFor, type LogLinks } from '../exporters/links.js';
import { type LogkitConfig, type LogkitOptions, resolveConfig } from './config.js';
import { LogkitError } from './core/errors.js';
import { BackendHealth } from './core/backend-health.js';
import { configureExecutions } from './core/execution.js';
import { DeliveryThread } from './delivery-thread.js';
import { buildChain, workerPart } from './chain.js';
import { ExitFlush } from './exit-flush.js';
import { flushOnProcessEvents, registered, releaseHeldOnCrash } from './process-end.js';
import { GuardedLoggerProvider } from './guarded-provider.js';
import { LogkitProcessor } from './processor.js';
import { buildResource } from './resource.js';
import type { LogStage, StageContext } from './core/stage.js';
import { PipelineStats, type StatsSection } from './core/stats.js';
import { queuePressure } from './queue-pressure.js';
import { disabledStats, type LogkitStats, type SdkStatsSection } from './stats.js';

/** What `createLogPipeline` and `registerLogPipeline` give back. */
export interface LogPipeline {
  /** Delivers everything accepted so far (or spools it) before resolving. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and stops every stage; idempotent. Never rejects. */
  shutdown(): Promise<void>;
  /** What happened to the records, per stage: received, dropped by reason, exported, failed … */
  stats(): LogkitStats;
  /** Changes a severity threshold at runtime; `pattern` is a logger-name pattern (`billing.*`) or `*`. */
  setLevel(pattern: string, level: SeverityNumber | string): void;
  /**
   * Links that open the records of one correlation id (default: the current execution's global id) in
   * Grafana Explore and Kibana Discover, for alert messages (empty when no `OTEL_LOGKIT_LINK_BASE_*` is
   * set), and the `otel-logkit view` command line when a Loki, Elasticsearch or file output is configured.
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
  return buildPipeline(options).parts;
}

/** The parts plus what `registerLogPipeline` needs for the process events: the bounded exit flush. */
function buildPipeline(options: LogkitOptions): { parts: LogPipelineParts; exit?: ExitFlush; releaseHeld?: () => void } {
  const config = resolveConfig(options);
  configureExecutions({ globalIdFromTrace: config.enrichment.globalIdFromTrace });
  const stats = new PipelineStats();
  const resource = buildResource(config.resource);
  const linkFor = createLinkFor(config.delivery);
  if (config.disabled) {
    const parts: LogPipelineParts = {
      config,
      resource,
      processors: [],
      forceFlush: async () => {},
      shutdown: async () => {},
      stats: disabledStats,
      setLevel: () => {},
      linkFor,
    };
    return { parts };
  }
  const health = new BackendHealth();
  const exit = new ExitFlush(stats, health, { timeoutMs: config.exitTimeoutMs, spoolDir: config.delivery.settings.spoolDir });
  const pressure = queuePressure(stats, config.delivery.settings);
  const ctx: StageContext = { stats, resource, health, exitSignal: exit.given.signal, pressure, holdingForm: encodedForHolding };
  const userExporters: LogRecordExporter[] = options.exporter === undefined ? [] : ([] as LogRecordExporter[]).concat(options.exporter);
  const { settings } = config.delivery;
  // By default, what needs no caller context runs in the delivery worker (see workerPart).
  const part = workerPart(config, userExporters);
  const startWorker = (build: () => LogStage): LogStage => {
    checkDestinations(config.exporters, config.delivery);
    const initial: Record<string, StatsSection> = part === 'tail' ? { redaction: disabledStats().redaction } : {};
    const limits = { maxQueueBytes: settings.handoffOverflowBytes, flushTimeoutMs: settings.flushTimeoutMs, spoolDir: settings.spoolDir, whenFull: settings.whenFull, workerHeap: settings.workerHeap, initial };
    return DeliveryThread.start(part!, options, options.env ?? process.env, ctx, limits, build) ?? build();
  };
  const end = () => createExportStage(config.exporters, config.delivery, ctx, userExporters, part === 'destinations' ? startWorker : undefined);
  const chain = buildChain(config, ctx, { from: 'enrichment', end, handover: part === 'tail' ? startWorker : undefined });
  const sampling = chain.stage('sampling')!;
  const enrichment = chain.entry;
  const processor = new ExitBoundProcessor(exit, enrichment, config.limits, stats, sampling);
  if (options.meterProvider) stats.bindMeter(options.meterProvider);
  const parts: LogPipelineParts = {
    config,
    resource,
    processors: [processor],
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
    stats: () => stats.snapshot() as LogkitStats,
    setLevel: (pattern, level) => sampling.setLevel(pattern, level),
    linkFor,
  };
  return { parts, exit, releaseHeld: () => sampling.releaseHeld() };
}

/**
 * Shutdown is the end of the process in practice (NodeSDK's `sdk.shutdown()`, our signal handlers):
 * it waits for delivery only as long as the exit flush allows (see {@link ExitFlush}).
 */
class ExitBoundProcessor extends LogkitProcessor {
  private bounded: Promise<void> | undefined;

  constructor(
    private readonly exit: ExitFlush,
    ...rest: ConstructorParameters<typeof LogkitProcessor>
  ) {
    super(...rest);
  }

  override shutdown(): Promise<void> {
    this.bounded ??= this.exit.run(() => super.shutdown()).then(() => {});
    return this.bounded;
  }
}

/** What `registerLogPipeline` gives back: the pipeline, the provider it registered, and the provider's numbers in `stats().sdk`. */
export interface RegisteredLogPipeline extends LogPipeline {
  readonly provider: LoggerProvider;
  stats(): LogkitStats & { sdk: SdkStatsSection };
}

export interface RegisterOptions extends LogkitOptions {
  /** Flush on SIGTERM/SIGINT (then let the signal end the process as usual) and on `beforeExit`. Default true. */
  handleProcessEvents?: boolean;
}

/** How much longer than the exit flush a signal handler waits before letting the process go anyway. */
const SIGNAL_GRACE_MS = 1000;

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
export function registerLogPipeline(options: RegisterOptions = {}): RegisteredLogPipeline {
  const { parts, exit, releaseHeld } = buildPipeline(options);
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
  if (options.handleProcessEvents !== false) {
    const releaseEvents = flushOnProcessEvents(handle, exit, parts.config.exitTimeoutMs + SIGNAL_GRACE_MS);
    const releaseCrash = releaseHeld ? releaseHeldOnCrash(releaseHeld) : () => {};
    release = () => {
      releaseEvents();
      releaseCrash();
      if (registered.pipeline === handle) registered.pipeline = undefined;
    };
  }
  registered.pipeline = handle;
  return handle;
}
