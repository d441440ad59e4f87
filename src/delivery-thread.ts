import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { RecordFrameReader, RecordFrameWriter } from '../exporters/codec/record-frame.js';
import { HandoffRing, RingControl } from '../exporters/delivery/handoff-ring.js';
import { HandoffJournal, journalDirOf, readJournal, removeJournal } from '../exporters/delivery/handoff-journal.js';
import { persistOnExit } from '../exporters/delivery/persist-at-exit.js';
import type { Refusal } from './core/backend-health.js';
import type { LogkitRecord } from './core/record.js';
import { severityBand } from './core/severity.js';
import type { WhenFull, WorkerHeapSettings } from '../exporters/delivery/settings.js';
import type { LogStage, StageContext, WriteVerdict } from './core/stage.js';
import { ReasonCounter, type StatsSection, type ReasonCounts } from './core/stats.js';
import type { Env } from './core/env.js';
import { pinnedSources, type LogkitOptions } from './config.js';
import type { WorkerPart } from './chain.js';

/** What the worker is started with: the ring, and the configuration to build the same destinations from. */
export interface WorkerStart {
  part: WorkerPart;
  ring: SharedArrayBuffer;
  options: LogkitOptions;
  env: Env;
  /** NEW_ORIGIN frames a predecessor read (a restarted worker must know the origins frames refer to). */
  origins: Uint8Array[];
}
export type ToWorker = { t: 'begin'; journal?: string } | { t: 'wake' } | { t: 'flush'; id: number } | { t: 'shutdown'; id: number } | { t: 'abandon' };
export type FromWorker =
  | { t: 'ready' }
  | { t: 'failed'; message: string }
  | { t: 'stats'; sections: Record<string, StatsSection>; gauges: Record<string, string[]>; consumed: number }
  | { t: 'done'; id: number }
  | { t: 'diag'; level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'; message: string }
  | { t: 'health'; name: string; origin: string; reached: boolean; message?: string; fix?: string; refusal?: Refusal };

/** `stats().delivery_thread`: the hand-over to the delivery worker (absent when delivery runs on the application's thread). */
export type DeliveryThreadStatsSection = {
  /** Records handed to the worker. */
  transferred: number;
  /** Handed over and not yet read by the worker (the ring plus the overflow). */
  in_transfer: number;
  /** Given up before reaching the worker, by reason (`queue_full`, `too_large`, `internal_error`). */
  dropped: ReasonCounts;
  /** Workers that ended and were replaced in the last minute. */
  restarts: number;
  /** Records an ended worker held only in memory. */
  lost_in_restart: number;
};

/** The ring between the threads: room for tens of thousands of typical records before the worker must catch up. */
const RING_BYTES = 8 * 1024 * 1024;
/**
 * At the process's `exit` event, how long the application's thread waits for the worker to write its
 * spool: milliseconds normally; the bound matters when the worker is still starting (a crash at startup).
 */
const EXIT_PERSIST_MS = 3000;
/** How long one record may wait for the worker to make room (with a spool), in steps. */
const MAX_ROOM_WAIT_MS = 2000;
const ROOM_WAIT_STEP_MS = 10;
/** A worker that dies more often than this is not restarted again: delivery comes back to this thread. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/**
 * The export stage seen from the application's thread when delivery runs in a worker (the default,
 * `OTEL_LOGKIT_DELIVERY_THREAD=worker`): each record is encoded once into its OTLP bytes and copied
 * into a shared ring — about a microsecond, no message, no wait — and everything else (batching,
 * compression, spool writes and fsyncs, retries, sockets) happens in the worker. When the ring is full
 * the frame waits in a bounded overflow here; beyond that it is dropped and counted. At `exit` the
 * worker is asked to write its spool synchronously (Atomics.wait, as pino's thread-stream does). A
 * worker that dies is restarted and what it held only in memory is counted lost; after repeated deaths,
 * delivery continues on this thread.
 *
 * The worker builds the destinations from the same options and environment, so only configuration
 * that can cross a thread boundary qualifies: {@link DeliveryThread.start} returns undefined otherwise
 * (functions in options, a bundler that left the worker script behind) and the caller delivers in-thread.
 */
export class DeliveryThread implements LogStage {
  private readonly ring = HandoffRing.create(RING_BYTES);
  private readonly frames = new RecordFrameWriter();
  private worker!: Worker;
  /** Frames that did not fit in the ring, oldest first; bounded by `maxOverflowBytes`. */
  private overflow: Uint8Array[] = [];
  /** The severity band of each overflow frame (see severityBand): what `drop` gives up first. */
  private overflowBands: number[] = [];
  private overflowBytes = 0;
  private overflowTimer: NodeJS.Timeout | undefined;
  /** `ring.consumed` when waiting for room last failed (see waitForRoom). */
  private stalledAt = -1;
  private sections: Record<string, StatsSection> = {};
  private gauges: Record<string, string[]> = {};
  private readonly pending = new Map<number, () => void>();
  private nextId = 1;
  private transferred = 0;
  private readonly dropped = new ReasonCounter();
  private restarts: number[] = [];
  private lostInRestart = 0;
  private consumedAtReport = 0;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;
  /** After repeated worker deaths: the destinations, built on this thread. */
  private local: LogStage | undefined;
  private readonly unregisterExit: () => void;
  private readonly mirror: () => void;
  private readonly watches = new Map<string, ReturnType<NonNullable<StageContext['health']>['watch']>>();
  /**
   * With a spool, until the first worker is up: records go to a journal file instead of the ring, so
   * a process killed in its first second keeps what it logged (see HandoffJournal).
   */
  private journal: HandoffJournal | undefined;

  private constructor(
    private script: { url: URL; execArgv?: string[] },
    private readonly start: Omit<WorkerStart, 'ring' | 'origins'>,
    private readonly ctx: StageContext,
    private readonly maxOverflowBytes: number,
    private readonly flushTimeoutMs: number,
    private readonly durable: boolean,
    private readonly fallback: () => LogStage,
    spoolDir: string | undefined,
    private readonly whenFull: WhenFull,
    private readonly heap: WorkerHeapSettings,
  ) {
    if (spoolDir !== undefined) {
      try {
        this.journal = HandoffJournal.open(journalDirOf(spoolDir));
      } catch (error) {
        diag.warn(`otel-logkit: no journal for the records logged before the delivery worker is up (${(error as Error).message}); they wait in memory`);
      }
    }
    this.mirror = ctx.stats.mirror(() => this.sections, (name) => this.gauges[name] ?? []);
    ctx.stats.register(
      'delivery_thread',
      (): DeliveryThreadStatsSection => ({
        transferred: this.transferred,
        in_transfer: this.ring.pending + this.overflow.length,
        dropped: this.dropped.toJSON(),
        restarts: this.restarts.length,
        lost_in_restart: this.lostInRestart,
      }),
      { gauges: ['in_transfer'] },
    );
    ctx.exitSignal?.addEventListener('abort', () => this.post({ t: 'abandon' }), { once: true });
    // Without a spool there is nothing the worker could still save at exit: no reason to wait for it.
    this.unregisterExit = durable ? persistOnExit(() => this.persistAtExit()) : () => {};
    this.spawn();
  }

  /**
   * The worker-backed stage, or undefined when this configuration must be delivered in-thread.
   * `fallback` builds the in-thread destinations should the worker keep dying. `initial`: sections
   * the worker will report, as they read before its first report (so a section the types promise,
   * such as `redaction`, is there from the start).
   */
  static start(
    part: WorkerPart,
    options: LogkitOptions,
    env: Env,
    ctx: StageContext,
    settings: { maxQueueBytes: number; flushTimeoutMs: number; spoolDir?: string; whenFull: WhenFull; workerHeap: WorkerHeapSettings; initial: Record<string, StatsSection> },
    fallback: () => LogStage,
  ): DeliveryThread | undefined {
    const script = workerScript();
    if (script === undefined) {
      diag.debug('otel-logkit: the delivery worker script is not next to the library (bundled?); delivering on the application thread');
      return undefined;
    }
    let transferable: { options: LogkitOptions; env: Env };
    try {
      const { exporter: _exporter, meterProvider: _meter, ...rest } = options;
      // Read once, here: a worker started again later runs the configuration the application started with.
      transferable = structuredClone(pinnedSources(rest, env));
    } catch {
      diag.debug('otel-logkit: options given in code cannot cross to the delivery worker; delivering on the application thread');
      return undefined;
    }
    const thread = new DeliveryThread(script, { part, ...transferable }, ctx, settings.maxQueueBytes, settings.flushTimeoutMs, settings.spoolDir !== undefined, fallback, settings.spoolDir, settings.whenFull, settings.workerHeap);
    thread.sections = settings.initial;
    thread.mirror();
    return thread;
  }

  write(record: LogkitRecord): WriteVerdict {
    if (this.local) return this.local.write(record);
    try {
      const frame = this.frames.frame(record);
      this.transferred++;
      if (this.journal) {
        this.journal.append(frame);
        return 'taken';
      }
      if (this.overflow.length === 0 && this.ring.write(frame)) return 'taken';
      return this.hold(frame, severityBand(record));
    } catch (error) {
      this.dropped.add('internal_error');
      diag.error('otel-logkit: a record could not be handed to the delivery worker', error);
      return 'lost';
    }
  }

  /** The ring is full (the worker is behind): the frame waits here, within the queue's byte bound. */
  private hold(frame: Uint8Array, band: number): WriteVerdict {
    if (frame.length > this.ring.maxFrame) {
      this.dropped.add('too_large');
      return 'lost';
    }
    if (this.overflowBytes + frame.length > this.maxOverflowBytes && !(this.whenFull === 'block' && this.waitForRoom(frame.length))) {
      // Full: a less severe frame waiting here goes instead of this one, the oldest first.
      this.dropped.add('queue_full'); // this record, or the one that goes in its place
      if (!this.makeRoomBelow(band, frame.length)) return 'lost';
    }
    this.overflow.push(Uint8Array.from(frame));
    this.overflowBands.push(band);
    this.overflowBytes += frame.length;
    this.overflowTimer ??= setTimeout(() => this.moveOverflow(), 1).unref();
    return 'taken';
  }

  /**
   * With a spool, nothing accepted may be lost: when the ring and the overflow are full (the
   * application logs faster than the worker can write its spool), this thread waits for the worker,
   * as pino's thread-stream does — for the worker's CPU, never for a backend (with a spool the worker
   * never waits on one). False when the worker made no room within MAX_ROOM_WAIT_MS (it is stuck or
   * gone): the record is then dropped and counted.
   */
  private waitForRoom(bytes: number): boolean {
    // A worker that made no room the last time is not waited for again until it reads something.
    if (this.stalledAt === this.ring.consumed) return false;
    const deadline = Date.now() + MAX_ROOM_WAIT_MS;
    while (Date.now() < deadline) {
      this.ring.waitForRoom(ROOM_WAIT_STEP_MS);
      this.moveOverflow();
      if (this.overflowBytes + bytes <= this.maxOverflowBytes) return true;
    }
    this.stalledAt = this.ring.consumed;
    return false;
  }

  /** Gives up the oldest overflow frames less severe than `band` until `bytes` more fit; false when they cannot. */
  private makeRoomBelow(band: number, bytes: number): boolean {
    for (let i = 0; i < this.overflow.length && this.overflowBytes + bytes > this.maxOverflowBytes; ) {
      if (this.overflowBands[i]! >= band) {
        i++;
        continue;
      }
      this.overflowBytes -= this.overflow[i]!.length;
      this.overflow.splice(i, 1);
      this.overflowBands.splice(i, 1);
      if (this.overflowBytes + bytes > this.maxOverflowBytes) this.dropped.add('queue_full');
    }
    return this.overflowBytes + bytes <= this.maxOverflowBytes;
  }

  private moveOverflow(): void {
    if (this.overflowTimer) clearTimeout(this.overflowTimer);
    this.overflowTimer = undefined;
    let moved = 0;
    while (moved < this.overflow.length && this.ring.write(this.overflow[moved]!)) this.overflowBytes -= this.overflow[moved++]!.length;
    if (moved > 0) {
      this.overflow = this.overflow.slice(moved);
      this.overflowBands = this.overflowBands.slice(moved);
    }
    if (this.overflow.length > 0) this.overflowTimer = setTimeout(() => this.moveOverflow(), 1).unref();
  }

  forceFlush(): Promise<void> {
    if (this.local) return this.local.forceFlush();
    return this.request('flush');
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      if (this.local) return this.local.shutdown();
      await this.request('shutdown');
      this.closed = true;
      this.unregisterExit();
      if (this.overflowTimer) clearTimeout(this.overflowTimer);
      await this.worker.terminate().catch(() => {});
    })();
    return this.shutdownPromise;
  }

  /** Sends the overflow, then asks the worker; resolves when it answers, or after the flush timeout (a worker that hangs never hangs us). */
  private async request(t: 'flush' | 'shutdown'): Promise<void> {
    const deadline = Date.now() + this.flushTimeoutMs;
    while (this.overflow.length > 0 && Date.now() < deadline && !this.local) {
      this.moveOverflow();
      if (this.overflow.length > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (this.local) return t === 'flush' ? this.local.forceFlush() : this.local.shutdown();
    const id = this.nextId++;
    this.worker.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, Math.max(1, deadline - Date.now()) + 1000);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.pending.set(id, finish);
      this.post({ t, id });
    });
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private post(message: ToWorker): void {
    try {
      this.worker.postMessage(message);
    } catch {
      // A terminated worker: the request's timer answers it.
    }
  }

  /** At `exit`: the worker writes what it was handed to its spool while this thread waits (bounded). */
  private persistAtExit(): void {
    this.journal?.write();
    if (this.local || this.closed) return;
    this.moveOverflow();
    const deadline = Date.now() + EXIT_PERSIST_MS;
    while (Date.now() < deadline) {
      if (!this.ring.requestSync(RingControl.PERSIST, deadline - Date.now())) return;
      if (this.overflow.length === 0) return;
      this.moveOverflow();
    }
  }

  private spawn(): void {
    let worker: Worker;
    for (;;) {
      try {
        worker = new Worker(this.script.url, {
          workerData: { ...this.start, ring: this.ring.buffer, origins: this.frames.definitions } satisfies WorkerStart,
          execArgv: this.script.execArgv,
          name: 'otel-logkit delivery',
          // The worker's heap is bounded explicitly (see WorkerHeapSettings), not sized by V8 for the machine.
          resourceLimits: { maxOldGenerationSizeMb: this.heap.maxOldBytes / 2 ** 20, maxYoungGenerationSizeMb: this.heap.maxYoungBytes / 2 ** 20 },
        });
        break;
      } catch (error) {
        // `node --max-old-space-size=… --import tsx`: the flags a worker refuses are dropped, once.
        const kept = acceptedFlags(this.script.execArgv, error);
        if (kept === undefined) throw error;
        this.script = { ...this.script, execArgv: kept };
      }
    }
    this.ring.onConsumerAsleep = () => this.post({ t: 'wake' });
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => diag.error('otel-logkit: the delivery worker failed', error));
    worker.on('exit', (code) => this.exited(worker, code));
    // The worker never keeps the application alive (a flush in progress does, see request).
    worker.unref();
    this.worker = worker;
  }

  private receive(message: FromWorker): void {
    switch (message.t) {
      case 'stats':
        this.sections = message.sections;
        this.gauges = message.gauges;
        this.consumedAtReport = message.consumed;
        this.mirror();
        return;
      case 'done':
        this.pending.get(message.id)?.();
        return;
      case 'diag':
        diag[message.level](message.message);
        return;
      case 'health': {
        let watch = this.watches.get(message.name);
        if (!watch && this.ctx.health) this.watches.set(message.name, (watch = this.ctx.health.watch(message.name, new URL(message.origin))));
        if (message.refusal) watch?.refused(message.refusal);
        else if (message.reached) watch?.reached();
        else watch?.unreachable(new Error(message.message ?? 'no answer'), message.fix);
        return;
      }
      case 'failed':
        diag.error(`otel-logkit: the delivery worker could not start: ${message.message}`);
        return;
      case 'ready': {
        // The worker reads the journal of the first second (then the ring), and removes it.
        const journal = this.journal?.close();
        this.journal = undefined;
        this.post({ t: 'begin', journal: journal?.path });
        for (const frame of journal?.unwritten ?? []) if (this.ring.write(frame) === false) this.hold(frame, 5); // accepted already: given up last
        return;
      }
    }
  }

  /**
   * A worker that ends while we still need it died (an out-of-memory, a bug): what it held only in
   * memory is lost — counted — and a new one takes over the ring and the spool.
   */
  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker || this.closed || this.shutdownPromise) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    this.restarts.push(now);
    this.lostInRestart += this.heldInMemory() + ((this.ring.consumed - this.consumedAtReport) >>> 0);
    this.sections = {};
    for (const finish of this.pending.values()) finish();
    diag.error(`otel-logkit: the delivery worker ended (exit code ${code}); ${this.restarts.length >= MAX_RESTARTS ? 'delivering on the application thread from now on' : 'starting a new one'}`);
    if (this.restarts.length < MAX_RESTARTS) {
      this.spawn();
      return;
    }
    this.local = this.fallback();
    const reader = new RecordFrameReader();
    for (const definition of this.frames.definitions) reader.learn(definition);
    const handOver = (frame: Uint8Array): void => {
      try {
        this.local!.write(reader.read(frame));
      } catch {
        this.dropped.add('internal_error');
      }
    };
    const journal = this.journal?.close();
    this.journal = undefined;
    if (journal) {
      readJournal(journal.path, handOver);
      removeJournal(journal.path);
      journal.unwritten.forEach(handOver);
    }
    this.ring.drain(handOver);
    for (const frame of this.overflow) handOver(frame);
    this.overflow = [];
    this.overflowBands = [];
  }

  /**
   * Records the last report showed in the worker's memory. With a spool they are on disk within the
   * commit interval and the next start replays them: none counted (at most a few milliseconds' worth
   * are lost, as with a kill).
   */
  private heldInMemory(): number {
    if (this.durable) return 0;
    let held = 0;
    for (const section of Object.values(this.sections)) if (typeof section.queued === 'number') held += section.queued;
    return held;
  }
}

/**
 * Where the worker's entry is: beside the library in the package (`dist/lib/delivery-worker.js`), or
 * the TypeScript source (tests, `npm run demo`), run through tsx.
 */
function workerScript(): { url: URL; execArgv?: string[] } | undefined {
  const here = moduleUrl();
  if (here === undefined) return undefined;
  const source = here.endsWith('.ts');
  const url = new URL(source ? './delivery-worker.ts' : './delivery-worker.js', here);
  if (!existsSync(fileURLToPath(url))) return undefined;
  // The worker inherits the application's Node flags (left unset: a worker refuses V8 and per-process
  // flags such as --max-old-space-size given explicitly, though they apply to it); from source it needs tsx.
  return { url, execArgv: source ? [...process.execArgv, '--import', 'tsx'] : undefined };
}

/** A worker's own flags, as `new Worker` takes them: those it refuses given explicitly (V8's, per-process) left out. */
function acceptedFlags(execArgv: string[] | undefined, error: unknown): string[] | undefined {
  if (execArgv === undefined || (error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined;
  const refused = new Set(String((error as Error).message).split(': ').slice(1).join(': ').split(/,\s*/));
  const kept = execArgv.filter((flag) => !refused.has(flag));
  return kept.length < execArgv.length ? kept : undefined;
}

function moduleUrl(): string | undefined {
  // ESM (source and package) knows its URL; the CommonJS build is given one by build.ts; a bundle of
  // the application has none (the worker script is not there either).
  return import.meta.url || undefined;
}
