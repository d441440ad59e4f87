import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { diag } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { createExportStage } from '../../exporters/index.js';
import { buildChain } from '../chain.js';
import { type LogkitConfig, type LogkitOptions, resolveConfig } from '../config.js';
import { BackendHealth } from '../core/backend-health.js';
import { warnUser } from '../core/user-warning.js';
import { refuseForwardingToItself } from './self-forwarding.js';
import type { LogStage, StageContext } from '../core/stage.js';
import { PipelineStats, type StatsSection } from '../core/stats.js';
import { buildResource } from '../resource.js';
import { AcceptanceGate } from './acceptance.js';
import { METRICS_CONTENT_TYPE, metricsText, type TelemetryView } from './telemetry-view.js';
import type { RecordRouter, RoutedVerdict } from './owner-routing.js';
import { LOGS_PATH, LogsReceiver } from './receiver.js';
import { type CollectorOptions, type CollectorSettings, parseCollectorSettings } from './settings.js';
import { GrpcLogsInput } from './grpc-receiver.js';
import { createKafkaInput } from './kafka-input.js';
import { SilenceWatch } from './silence.js';
import { TailDeferral } from './tail-deferral.js';

/** Everything `createCollector` accepts: the collector's own settings and the pipeline's (`OTEL_*`, `OTEL_LOGKIT_*`). */
export interface CreateCollectorOptions extends CollectorOptions {
  /** The pipeline behind the receiver, configured as for `createLogPipeline` (its `env` defaults to ours). */
  pipeline?: LogkitOptions;
  /** One of several workers (`OTEL_LOGKIT_COLLECTOR_WORKERS`): where records of ids other workers own go. */
  router?: RecordRouter;
}

/** Where a started collector listens, and what it forwards to: the startup banner's content. */
export interface CollectorInfo {
  /** `http(s)://host:port/v1/logs` */
  endpoint: string;
  /** `http://host:port/metrics`, when enabled. */
  metrics?: string;
  health: string;
  destinations: string[];
  spool?: string;
  tls: boolean;
  mtls: boolean;
  auth: boolean;
  tail: { enabled: boolean; windowMs: number };
  /** The OTLP/gRPC input, e.g. `http://127.0.0.1:4317` (absent when `OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT=none`). */
  grpcEndpoint?: string;
  /** Whether the Kafka consumer-group input runs (`OTEL_LOGKIT_COLLECTOR_KAFKA_BROKERS`). */
  kafka: boolean;
}

/** A running (or runnable) collector. */
export interface Collector {
  /** Binds the receiver and the metrics endpoint; rejects when a port cannot be bound. */
  start(): Promise<CollectorInfo>;
  /** Stops accepting, answers in-flight requests, then flushes every destination (spool keeps the rest). Idempotent. */
  stop(): Promise<void>;
  stats(): Record<string, StatsSection>;
  /** What `/metrics` shows, as numbers: several workers' views are merged into one (see worker-cluster.ts). */
  telemetry(): TelemetryView;
  /** Records another worker handed over because this one owns their correlation ids (see {@link RecordRouter}). */
  acceptRouted(body: Buffer): Promise<RoutedVerdict>;
  readonly settings: CollectorSettings;
  readonly config: LogkitConfig;
}

/**
 * An OTLP/HTTP logs collector built from the library's own stages: tail deferral, sampling,
 * redaction (again, as a safety net for senders that do not redact) and the same destinations,
 * routes, spool and dead-letter directory, configured by the same variables. Requests are answered
 * 200 only once their records are accepted (on the spool when there is one), 429/503 with
 * `Retry-After` when the queues are full, with `partial_success` for records refused by policy.
 *
 * @example
 * const collector = createCollector({ endpoint: '127.0.0.1:4318' });
 * const info = await collector.start();
 * process.on('SIGTERM', () => void collector.stop());
 */
export function createCollector(options: CreateCollectorOptions = {}): Collector {
  const settings = parseCollectorSettings(options);
  const pipelineOptions: LogkitOptions = { env: options.env, ...options.pipeline };
  const config = resolveConfig(pipelineOptions);
  refuseForwardingToItself(settings, config);
  const env = options.env ?? process.env;
  if (env.OTEL_LOGKIT_LEVEL !== undefined && env.OTEL_LOGKIT_COLLECTOR_LEVEL === undefined && options.level === undefined) {
    warnUser(
      `otel-logkit collector: OTEL_LOGKIT_LEVEL=${env.OTEL_LOGKIT_LEVEL} is the library's threshold and does not apply here: the collector passes every severity its senders send. ` +
        'Set OTEL_LOGKIT_COLLECTOR_LEVEL to drop (or, with tail deferral, hold) records below a severity.',
    );
  }
  // What differs from the library's chain: deferral across services happens here, per correlation id
  // (the per-execution kind has no executions to follow); the audit chain and payload archiving belong
  // to the service that wrote the record, which signed or archived it already.
  const chainConfig: LogkitConfig = {
    ...config,
    // A collector passes what its senders chose to send: its threshold is its own setting (TRACE unless
    // set), not the library's INFO. Per-logger levels, ratios and rate limits still apply when configured.
    sampling: {
      ...config.sampling,
      rules: { ...config.sampling.rules, level: settings.level },
      deferred: { ...config.sampling.deferred, enabled: false, forward: false },
    },
    audit: { ...config.audit, enabled: false },
    archive: { ...config.archive, dir: undefined, s3: undefined },
  };
  const stats = new PipelineStats();
  // Destinations and the Kafka input say once per outage that their backend cannot be reached, and
  // once per cause that a destination refuses records for good.
  const backends = new BackendHealth();
  const ctx: StageContext = { stats, resource: buildResource(config.resource), health: backends };
  const userExporters: LogRecordExporter[] = pipelineOptions.exporter === undefined ? [] : ([] as LogRecordExporter[]).concat(pipelineOptions.exporter);
  const exportStage = createExportStage(config.exporters, config.delivery, ctx, userExporters);
  // The same chain as the library's, entered at sampling: the senders enriched their records.
  const chain = buildChain(chainConfig, ctx, { from: 'sampling', end: () => exportStage });
  const sampler = chain.stage('sampling')!;
  const entry: LogStage = settings.tail.enabled
    ? new TailDeferral(
        settings.tail,
        {
          sampled: sampler,
          released: chain.after('sampling'),
          keeps: (record) => sampler.keeps(record.instrumentationScope.name, record.severityNumber),
          flushLevel: config.sampling.deferred.flushLevel,
        },
        ctx,
      )
    : chain.entry;
  const gate = new AcceptanceGate(stats, config.delivery, () => {
    // The synchronous part of a flush seals the open batches and writes and fsyncs them to the spool.
    exportStage.forceFlush().catch(() => {});
  });
  // Watches every input in front of the chain; its WARN records go into the chain like any record.
  const silence = settings.silenceAfterMs === undefined ? undefined : new SilenceWatch(settings.silenceAfterMs, entry, ctx);
  const receiver = new LogsReceiver(settings, silence ?? entry, gate, settings.tail.enabled ? options.router : undefined);
  stats.register('collector', () => receiver.read(), { gauges: ['in_flight'] });
  const kafka = createKafkaInput(options.env ?? process.env, receiver, stats, backends);
  const grpc = settings.grpcEndpoint ? new GrpcLogsInput(settings, receiver) : undefined;

  let servers: Server[] = [];
  let stopping: Promise<void> | undefined;
  let started = false;

  // Live while the process serves at all; ready while it accepts logs (not before start, not while draining).
  const health = (request: IncomingMessage, response: ServerResponse): boolean => answerHealth(request, response, started && !receiver.draining);

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'GET' && health(request, response)) return;
    receiver.handle(request, response);
  };

  const onMetrics = (request: IncomingMessage, response: ServerResponse): void => {
    if (health(request, response)) return;
    if ((request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(metricsText(telemetry()));
  };
  const telemetry = (): TelemetryView => ({
    snapshot: stats.snapshot(),
    transports: receiver.transports.entries().map(([transport, numbers]) => [transport, { ...numbers }]),
    silent: silence?.samples() ?? [],
    queueCapacity: config.delivery.settings.batch.maxQueueRecords,
  });

  return {
    settings,
    config,
    stats: () => stats.snapshot(),
    telemetry,
    acceptRouted: (body) => receiver.acceptRouted(body),
    async start(): Promise<CollectorInfo> {
      const { tls, limits } = settings;
      // Node checks the two timeouts below only this often (30 s by default): often enough to honour them.
      const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
      const main = tls
        ? createHttpsServer(
            { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: tls.clientCa !== undefined, rejectUnauthorized: tls.clientCa !== undefined, connectionsCheckingInterval },
            onRequest,
          )
        : createHttpServer({ connectionsCheckingInterval }, onRequest);
      // Slow clients (slowloris) are cut: headers by headersTimeout, the whole request by requestTimeout (408).
      main.headersTimeout = limits.headersTimeoutMs;
      main.requestTimeout = limits.requestTimeoutMs;
      main.on('clientError', answerClientError);
      servers = [main];
      const address = await listen(main, settings.endpoint);
      let metrics: string | undefined;
      if (settings.metricsEndpoint) {
        const server = createHttpServer(onMetrics);
        servers.push(server);
        metrics = `http://${hostOf(await listen(server, settings.metricsEndpoint))}/metrics`;
      }
      const grpcEndpoint = await grpc?.start();
      if (settings.grpcMissing) warnUser(`otel-logkit collector: the OTLP/gRPC input is off: ${settings.grpcMissing}`);
      await kafka?.start();
      started = true;
      const scheme = tls ? 'https' : 'http';
      return {
        endpoint: `${scheme}://${hostOf(address)}${LOGS_PATH}`,
        grpcEndpoint: grpcEndpoint && `${scheme}://${grpcEndpoint}`,
        metrics,
        health: `${scheme}://${hostOf(address)}/health`,
        destinations: destinationNames(config),
        spool: config.delivery.settings.spoolDir,
        tls: tls !== undefined,
        mtls: tls?.clientCa !== undefined,
        auth: settings.token !== undefined,
        tail: { enabled: settings.tail.enabled, windowMs: settings.tail.windowMs },
        kafka: kafka !== undefined,
      };
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        receiver.draining = true;
        silence?.stopWatching();
        const [main, ...metrics] = servers;
        main?.close();
        main?.closeIdleConnections();
        // Requests already being read are answered (a slow one is cut by requestTimeout), then everything is flushed.
        // The metrics port stays up meanwhile: /health/ready says 503, /metrics shows the drain.
        await Promise.all([
          Promise.race([receiver.drained(), new Promise((resolve) => setTimeout(resolve, settings.limits.requestTimeoutMs).unref())]),
          grpc?.stop(settings.limits.requestTimeoutMs),
        ]);
        // The Kafka input hands over its batch in the sink, commits it and leaves the group.
        await kafka?.close().catch((error: unknown) => diag.error('otel-logkit: collector: closing the Kafka input failed', error));
        await entry.shutdown().catch((error: unknown) => diag.error('otel-logkit: collector: shutdown failed', error));
        main?.closeAllConnections();
        for (const server of metrics) {
          server.close();
          server.closeAllConnections();
        }
      })();
      return stopping;
    },
  };
}

/** Answers `/health`, `/health/live` (200 while the process serves) and `/health/ready`; false for any other path. */
export function answerHealth(request: IncomingMessage, response: ServerResponse, ready: boolean): boolean {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/health' && path !== '/health/live' && path !== '/health/ready') return false;
  const ok = path === '/health/live' ? true : ready;
  const body = JSON.stringify({ status: ok ? 'ok' : 'unavailable', live: true, ready });
  response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(body);
  return true;
}

/** A client that broke HTTP or ran out of time gets its status line, and the socket is closed either way. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (socket.writable) {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  } else {
    socket.destroy();
  }
}

/** Binds a server; rejects with the bind error (port in use, permission). */
export function listen(server: Server, where: { host: string; port: number }): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function hostOf(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

function destinationNames(config: LogkitConfig): string[] {
  const routes = config.delivery.routing.rules.length > 0 ? ['routes'] : [];
  return [...config.exporters, ...routes];
}
