/**
 * The delivery worker: a thread of its own that runs every named destination (batching, compression,
 * the spool's writes and fsyncs, retries, the network), fed with encoded records through a shared
 * ring by {@link DeliveryThread} on the application's thread. It builds the same export stage the
 * application would build in-thread, from the same configuration, and reports back: stats snapshots,
 * diagnostics, which backends answer. Loaded only as a worker (see DeliveryThread.start).
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { RecordFrameReader } from '../exporters/codec/record-frame.js';
import { HandoffRing, RingControl } from '../exporters/delivery/handoff-ring.js';
import { journalDirOf, leftoverJournals, readJournal, removeJournal } from '../exporters/delivery/handoff-journal.js';
import { persistEveryQueueNow } from '../exporters/delivery/persist-at-exit.js';
import { BackendHealth, type BackendWatch } from './core/backend-health.js';
import type { LogStage } from './core/stage.js';
import { PipelineStats } from './core/stats.js';
import { resolveConfig } from './config.js';
import { buildChain } from './chain.js';
import { createDestinationsStage, awayFromApplicationThread } from '../exporters/index.js';
import { buildResource } from './resource.js';
import type { FromWorker, ToWorker, WorkerStart } from './delivery-thread.js';

/** How often stats go to the application's thread while records flow (and once more when they stop). */
const REPORT_MS = 100;
/**
 * While records flow, the ring is read this often. Each read is a timer, a turn of the event loop and a
 * look at the ring: every millisecond, that cost about 1.5 µs per record at 19k records/s. Without a
 * spool nothing waits on it (records are in memory either way): every 5 ms. With one, a record must be
 * on disk within 20 ms of emit() even on a loaded machine (read, then the 5 ms commit interval): every 2 ms.
 */
const POLL_MS = 5;
const POLL_WITH_SPOOL_MS = 2;
/** After this long without a record, the worker sleeps until the application's thread sends a wake-up. */
const IDLE_MS = 50;

const port = parentPort!;
const start = workerData as WorkerStart;
const send = (message: FromWorker): void => port.postMessage(message);

/** Diagnostics go to the application's diag logger, which lives on its thread. */
const relay = (level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'): ((message: string, ...args: unknown[]) => void) => (message, ...args) =>
  send({ t: 'diag', level, message: [message, ...args.map(describe)].join(' ') });
const relayLogger: DiagLogger = { error: relay('error'), warn: relay('warn'), info: relay('info'), debug: relay('debug'), verbose: relay('verbose') };
diag.setLogger(relayLogger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });

/** Backend reachability is judged on the application's thread (its exit flush asks, it warns the user). */
class RelayedHealth extends BackendHealth {
  override watch(name: string, endpoint: URL): BackendWatch {
    const origin = endpoint.href;
    // An answer after answers changes nothing there: only a change of state crosses (a message per
    // request was about 4 % of this thread's time at steady load).
    let answering = false;
    return {
      reached: () => {
        if (answering) return;
        answering = true;
        send({ t: 'health', name, origin, reached: true });
      },
      unreachable: (error, fix) => {
        answering = false;
        send({ t: 'health', name, origin, reached: false, message: error.message, fix });
      },
      refused: (refusal) => {
        answering = false;
        send({ t: 'health', name, origin, reached: true, refusal });
      },
    };
  }
}

const ring = HandoffRing.attach(start.ring);
const frames = new RecordFrameReader();
for (const definition of start.origins) frames.learn(definition);
const stats = new PipelineStats();
const given = new AbortController();
let stage: LogStage;
let spoolDir: string | undefined;
let lastReport = '';

try {
  const config = resolveConfig({ ...start.options, env: start.env });
  spoolDir = config.delivery.settings.spoolDir;
  const ctx = { stats, resource: buildResource(config.resource), health: new RelayedHealth(), exitSignal: given.signal };
  const destinations = () => createDestinationsStage(awayFromApplicationThread(config.exporters, config.delivery), config.delivery, ctx);
  stage = start.part === 'tail' ? buildChain(config, ctx, { from: 'redaction', end: destinations }).entry : destinations();
} catch (error) {
  send({ t: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

let decodeErrors = 0;
/** Records read from journals (this process's first second, or one a killed process left). */
let journalRecords = 0;

function write(reader: RecordFrameReader, frame: Uint8Array): void {
  try {
    stage.write(reader.read(frame));
  } catch (error) {
    decodeErrors++;
    if (decodeErrors === 1) diag.error('otel-logkit: the delivery worker could not read a record', error);
  }
}

/** Everything the application's thread has written so far goes to the destinations. */
function drain(): number {
  let n = ring.drain((frame) => write(frames, frame));
  if (ring.control === RingControl.PERSIST) {
    // The process is exiting: what was handed over goes to the spool synchronously, then we answer.
    // Read again first: frames written after the drain above began came before the request.
    n += ring.drain((frame) => write(frames, frame));
    persistEveryQueueNow();
    ring.answer();
  }
  return n;
}

function report(force = false): void {
  const sections = stats.snapshot();
  sections.delivery_worker = { read_errors: decodeErrors, journal_records: journalRecords };
  const json = JSON.stringify(sections);
  if (!force && json === lastReport) return;
  lastReport = json;
  // This thread's own heap (V8's figures are per isolate): what the worker's heap limit bounds. Not
  // compared above: an idle worker whose heap moves does not report for that alone.
  const heap = getHeapStatistics();
  Object.assign(sections.delivery_worker, { heap_bytes: heap.total_heap_size, heap_used_bytes: heap.used_heap_size, heap_limit_bytes: heap.heap_size_limit, external_bytes: heap.external_memory });
  send({ t: 'stats', sections, gauges: stats.gauges(), consumed: ring.consumed });
}

let wake: (() => void) | undefined;
let lastRecordAt = Date.now();

/** Polls while records flow; sleeps (see HandoffRing.sleep) once they stop. */
async function consume(): Promise<void> {
  for (;;) {
    if (drain() > 0) lastRecordAt = Date.now();
    if (Date.now() - lastRecordAt < IDLE_MS || !ring.sleep()) {
      await new Promise((resolve) => setTimeout(resolve, spoolDir === undefined ? POLL_MS : POLL_WITH_SPOOL_MS));
      continue;
    }
    await new Promise<void>((resolve) => (wake = resolve));
    lastRecordAt = Date.now();
  }
}

/** Messages that came before `begin` (a flush asked for while the worker was starting), answered after it. */
let early: ToWorker[] | undefined = [];

/**
 * The first records of the process: journals a killed predecessor left, then this process's own
 * journal (what it logged before this worker was up), into the spool; then the ring.
 */
function begin(journal: string | undefined): void {
  const journals = spoolDir === undefined ? [] : leftoverJournals(journalDirOf(spoolDir)).filter((path) => path !== journal);
  for (const path of [...journals, ...(journal ? [journal] : [])]) {
    // Each journal numbers its origins itself; this process's also defines the ones the ring refers to.
    const reader = path === journal ? frames : new RecordFrameReader();
    try {
      journalRecords += readJournal(path, (frame) => write(reader, frame));
      persistEveryQueueNow();
      removeJournal(path);
    } catch (error) {
      diag.error(`otel-logkit: the delivery worker could not read the journal ${path}; it stays for the next start`, error);
    }
  }
  const waiting = early ?? [];
  early = undefined;
  void consume();
  for (const message of waiting) handle(message);
}

port.on('message', (message: ToWorker) => {
  if (message.t === 'begin') return begin(message.journal);
  if (early !== undefined) {
    if (message.t !== 'wake') early.push(message);
    return;
  }
  handle(message);
});

function handle(message: ToWorker): void {
  if (message.t === 'begin') return;
  if (message.t === 'wake') {
    wake?.();
    wake = undefined;
    return;
  }
  drain();
  if (message.t === 'abandon') {
    given.abort();
    return;
  }
  const work = message.t === 'flush' ? stage.forceFlush() : stage.shutdown();
  void work
    .catch(() => {})
    .then(() => {
      report(true);
      send({ t: 'done', id: message.id });
    });
}

setInterval(report, REPORT_MS).unref();
report(true);
send({ t: 'ready' });

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  try {
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
