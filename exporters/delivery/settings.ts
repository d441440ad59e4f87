/** Client certificates and a custom CA for HTTPS, already read from disk at startup. */
export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * How to talk to one HTTP backend. Compression is not here: each protocol asks for it
 * (`WireRequest.compress`) and the core does it off the main thread. `headers` may carry credentials; they are sent, never logged.
 */
export interface HttpSettings {
  headers: Record<string, string>;
  /** The whole request, connect to last byte of the answer; a hung server is cut here. */
  timeoutMs: number;
  tls: TlsSettings;
}

/** When a batch is closed, and how much may wait in memory. */
export interface BatchSettings {
  /** `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`. */
  maxRecords: number;
  /** Estimated encoded size at which a batch is closed early (`OTEL_LOGKIT_BATCH_MAX_BYTES`). */
  maxBytes: number;
  /** `OTEL_BLRP_SCHEDULE_DELAY`: the longest a record waits for its batch to fill. */
  delayMs: number;
  /**
   * `OTEL_BLRP_MAX_QUEUE_SIZE`: records held in memory (open batch + closed batches not yet sent).
   * Our default is 65,536, not the SDK's 2,048: queued records are held encoded (a few hundred bytes
   * each, not an object graph), and `maxQueueBytes` bounds the memory whatever the count.
   */
  maxQueueRecords: number;
  /** `OTEL_LOGKIT_QUEUE_MAX_BYTES`: the same bound in estimated encoded bytes. */
  maxQueueBytes: number;
  /** `OTEL_LOGKIT_MAX_IN_FLIGHT`: requests on the wire at once (the bound of adaptive concurrency). */
  maxInFlight: number;
  /** `OTEL_LOGKIT_ADAPTIVE_CONCURRENCY`: adapt the requests in flight to the backend (see AdaptiveConcurrency); else always the maximum. */
  adaptiveConcurrency: boolean;
}

/**
 * Exponential backoff with jitter: attempt n waits a random time up to min(max, initial·2^n),
 * or exactly what `Retry-After` asks (capped by `maxBackoffMs`).
 */
export interface RetrySettings {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /**
   * How long a batch is retried before it is given up (counted `failed`). With a spool, a batch is
   * never given up: it stays on disk and is retried until the backend answers or the process stops.
   */
  maxElapsedMs: number;
}

/** How the spool persists: see `exporters/delivery/spool.ts` for the guarantees of each mode (process kill vs power loss). */
export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface SpoolSettings {
  /** Total size of the segment files; beyond it the oldest segment is evicted (counted `dropped.spool_full`). */
  maxBytes: number;
  /** A segment file is closed and a new one started at this size. */
  segmentBytes: number;
  fsync: FsyncPolicy;
  /**
   * `OTEL_LOGKIT_SPOOL_COMMIT_INTERVAL`: the longest an accepted record waits before it is written to
   * the spool (the window a SIGKILL can lose); requests are still assembled up to the batch limits.
   */
  commitMs: number;
  /** 32-byte AES-256-GCM key; when set, every frame is encrypted at rest. */
  key?: Buffer;
}

/**
 * Where destinations run: `worker` (default) a thread of their own, fed encoded records through a
 * shared ring, so batching, compression, spool I/O, retries and the network never run on the
 * application's thread; `main` the application's thread (the collector, which answers from it).
 */
export type DeliveryThreadMode = 'worker' | 'main';
/**
 * What the hand-over to the delivery worker does when the ring and its overflow are full
 * (`OTEL_LOGKIT_WHEN_FULL`): `block` — `emit()` waits for the worker to make room, at most 2 s, then
 * drops and counts (the default with a spool, where nothing accepted may be lost); `drop` — the least
 * severe record goes, the oldest first, counted as `queue_full` (the default without one).
 */
export type WhenFull = 'block' | 'drop';

/**
 * The delivery worker's V8 heap (its `resourceLimits`): what the worker may take, explicit in bytes.
 * Records wait in the worker as bytes outside this heap (the queue, bounded by `maxQueueBytes`; the
 * spool on disk); the heap holds the worker's code, batch bookkeeping and short-lived garbage.
 */
export interface WorkerHeapSettings {
  /**
   * `OTEL_LOGKIT_WORKER_MAX_HEAP`: the old generation. A worker that needs more ends
   * (ERR_WORKER_OUT_OF_MEMORY) and is restarted; what it held only in memory is counted
   * (`delivery_thread.lost_in_restart`), a spool keeps the rest.
   */
  maxOldBytes: number;
  /**
   * `OTEL_LOGKIT_WORKER_YOUNG_GENERATION`: the young generation, where each batch's garbage dies. V8
   * sizes it for the machine (tens of MiB, kept resident once grown); the worker's garbage is
   * short-lived and needs little, at the cost of a few more scavenges.
   */
  maxYoungBytes: number;
}

export interface DeliverySettings {
  /** `OTEL_LOGKIT_DELIVERY_THREAD`. */
  thread: DeliveryThreadMode;
  /** The delivery worker's heap limits (unused with `thread: 'main'`). */
  workerHeap: WorkerHeapSettings;
  /** `OTEL_LOGKIT_WHEN_FULL`. */
  whenFull: WhenFull;
  /**
   * What may wait on the application's thread when the ring to the worker is full: `maxQueueBytes`
   * when full means `drop` (it absorbs a burst that would otherwise be shed); with `block`, at most
   * {@link BLOCKING_OVERFLOW_BYTES} — beyond the ring it would only delay the wait, and a full
   * overflow of small frames costs about twice its bytes in resident memory.
   */
  handoffOverflowBytes: number;
  batch: BatchSettings;
  /** A directory for this destination's durable queue; without it, overflow is shed by severity. */
  spoolDir?: string;
  spool: SpoolSettings;
  /** Where batches the backend permanently refuses are written, with its answer. */
  deadLetterDir?: string;
  retry: RetrySettings;
  /** The longest `forceFlush`/`shutdown` waits for delivery before leaving the rest (spooled or counted failed). */
  flushTimeoutMs: number;
}

/** The hand-over's overflow when `emit()` blocks for room (see DeliverySettings.handoffOverflowBytes). */
export const BLOCKING_OVERFLOW_BYTES = 4 * 1024 * 1024;

/** The OTel spec's BLRP defaults, and ours for what the spec does not have. */
export const DEFAULT_DELIVERY: DeliverySettings = {
  thread: 'worker',
  workerHeap: { maxOldBytes: 128 * 1024 * 1024, maxYoungBytes: 8 * 1024 * 1024 },
  whenFull: 'drop',
  handoffOverflowBytes: 32 * 1024 * 1024,
  batch: { maxRecords: 512, maxBytes: 4 * 1024 * 1024, delayMs: 1000, maxQueueRecords: 65_536, maxQueueBytes: 32 * 1024 * 1024, maxInFlight: 4, adaptiveConcurrency: true },
  spool: { maxBytes: 1024 * 1024 * 1024, segmentBytes: 8 * 1024 * 1024, fsync: 'batch', commitMs: 5 },
  retry: { initialBackoffMs: 250, maxBackoffMs: 30_000, maxElapsedMs: 300_000 },
  flushTimeoutMs: 30_000,
};
