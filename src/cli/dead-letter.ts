import { mkdirSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { defaultResource } from '@opentelemetry/resources';
import { decodeOtlpJson } from '../../exporters/codec/decode-json.js';
import type { DestinationDescriptor, RouteTarget } from '../../exporters/delivery/descriptor.js';
import { DESTINATIONS, destinationNamed, type ExporterName } from '../../exporters/registry.js';
import { type LogkitConfig, resolveConfig } from '../config.js';
import type { Env } from '../core/env.js';
import { LogkitError } from '../core/errors.js';
import { severityName } from '../core/severity.js';
import type { LogStage } from '../core/stage.js';
import { PipelineStats, type StatsSection } from '../core/stats.js';
import { type DeadLetterEntry, listDeadLetterFiles, readDeadLetterEntry } from './dead-letter-files.js';

const USAGE = `usage: otel-logkit dead-letter <list | show <file> | replay [--destination <name>]> [--dir <path>]

  list                       the refused batches waiting in the dead-letter directory
  show <file>                one batch: why it was refused, the backend's answer, its records
  replay                     sends every batch again through the configured destination: accepted
                             files are removed, batches refused again stay (with the new answer),
                             batches that could not be delivered (network, timeout) stay as they are
    --destination <name>     send to this destination (e.g. otlp) instead of the one that refused them

The directory is --dir, else OTEL_LOGKIT_DEAD_LETTER_DIR (or the OTEL_CONFIG_FILE setting); the
destination is configured by the usual variables. Exit code: 0 when all went well, 1 when a batch was
refused again or not delivered, 2 on a usage or configuration error.
`;

/** How long a replayed batch is retried before the file is left for another attempt. */
const REPLAY_MAX_RETRY_MS = 10_000;

interface Io {
  stdout: Writable;
  stderr: Writable;
  env: Env;
}

/**
 * `otel-logkit dead-letter …`: inspect and replay the dead-letter directory. Replay goes through the
 * same delivery core as the pipeline — the destination's descriptor builds the same stage, with the
 * same protocol, batching, retries and answer classification — without a spool, and with a scratch
 * dead-letter directory, so a batch refused again comes back as a new file carrying the new answer.
 */
export async function runDeadLetterCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`otel-logkit dead-letter: ${parsed}\n${USAGE}`);
    return 2;
  }
  let config: LogkitConfig;
  try {
    config = resolveConfig({ env: io.env });
  } catch (error) {
    io.stderr.write(`otel-logkit dead-letter: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const dir = parsed.dir ?? config.delivery.settings.deadLetterDir;
  if (dir === undefined) {
    io.stderr.write('otel-logkit dead-letter: no dead-letter directory: pass --dir <path> or set OTEL_LOGKIT_DEAD_LETTER_DIR\n');
    return 2;
  }
  try {
    switch (parsed.command) {
      case 'list':
        return list(dir, io);
      case 'show':
        return show(dir, parsed.file!, io);
      case 'replay':
        return await replay(dir, parsed.destination, io);
    }
  } catch (error) {
    io.stderr.write(`otel-logkit dead-letter: ${error instanceof LogkitError || error instanceof TypeError ? error.message : String(error)}\n`);
    return 2;
  }
}

interface Parsed {
  command: 'list' | 'show' | 'replay';
  file?: string;
  dir?: string;
  destination?: string;
}

function parseArgs(args: string[]): Parsed | 'help' | string {
  if (args.includes('-h') || args.includes('--help')) return 'help';
  const [command, ...rest] = args;
  if (command !== 'list' && command !== 'show' && command !== 'replay') return command === undefined ? 'a subcommand is needed' : `unknown subcommand ${command}`;
  const out: Parsed = { command };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--dir' || arg === '--destination') {
      const value = rest[++i];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--dir') out.dir = value;
      else out.destination = value;
    } else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (command === 'show' && out.file === undefined) out.file = arg;
    else return `unexpected argument ${arg}`;
  }
  if (command === 'show' && out.file === undefined) return 'show needs a file';
  if (out.destination !== undefined && command !== 'replay') return '--destination is for replay';
  return out;
}

function list(dir: string, io: Io): number {
  const files = listDeadLetterFiles(dir);
  if (files.length === 0) {
    io.stdout.write(`${dir}: no refused batches\n`);
    return 0;
  }
  let records = 0;
  for (const file of files) {
    const entry = readDeadLetterEntry(dir, file);
    records += entry.records;
    const status = entry.response?.status !== undefined ? `HTTP ${entry.response.status}` : '';
    io.stdout.write(`${entry.time}  ${entry.destination}  ${entry.records} records  ${entry.code}  ${status}  ${entry.file}\n`);
  }
  io.stdout.write(`${files.length} files, ${records} records in ${dir}\n`);
  return 0;
}

function show(dir: string, file: string, io: Io): number {
  const entry = readDeadLetterEntry(dir, file);
  const out: string[] = [
    `file:        ${entry.path}`,
    `destination: ${entry.destination}`,
    `refused at:  ${entry.time}`,
    `reason:      ${entry.code}${entry.reason && entry.reason !== entry.code ? ` — ${entry.reason}` : ''}`,
  ];
  if (entry.response) out.push(`answer:      HTTP ${entry.response.status ?? '?'} ${entry.response.contentType ?? ''}`, indent(entry.response.body ?? ''));
  const records = decodeOtlpJson(entry.request);
  out.push(`records:     ${records.length}`);
  for (const record of records) {
    const time = new Date(record.hrTime[0] * 1000 + record.hrTime[1] / 1e6).toISOString();
    const body = typeof record.body === 'string' ? record.body : JSON.stringify(record.body, jsonSafe);
    const attributes = Object.keys(record.attributes).length > 0 ? `  ${JSON.stringify(record.attributes, jsonSafe)}` : '';
    out.push(`  ${time} ${severityName(record.severityNumber).padEnd(5)} ${record.instrumentationScope.name}: ${body}${attributes}`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

interface ReplayTotals {
  accepted: number;
  refused: number;
  undelivered: number;
}

async function replay(dir: string, override: string | undefined, io: Io): Promise<number> {
  const files = listDeadLetterFiles(dir);
  const totals: ReplayTotals = { accepted: 0, refused: 0, undelivered: 0 };
  const scratch = join(dir, `.replay-${process.pid}`);
  try {
    for (const file of files) {
      const entry = readDeadLetterEntry(dir, file);
      await replayOne(entry, override ?? entry.destination, dir, scratch, io, totals);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  io.stdout.write(`replayed ${files.length} files: ${totals.accepted} records accepted, ${totals.refused} refused again, ${totals.undelivered} not delivered\n`);
  return totals.refused + totals.undelivered > 0 ? 1 : 0;
}

async function replayOne(entry: DeadLetterEntry, destination: string, dir: string, scratch: string, io: Io, totals: ReplayTotals): Promise<void> {
  const records = decodeOtlpJson(entry.request);
  const stats = new PipelineStats();
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const { stage, key } = openDestination(destination, io.env, scratch, stats);
  for (const record of records) stage.write(record);
  await stage.shutdown();
  const section: StatsSection = stats.snapshot()[key] ?? {};
  const exported = Number(section.exported ?? 0);
  const failed = Number(section.failed ?? 0);
  const refusedAgain = readdirSync(scratch).filter((f) => f.endsWith('.json'));
  const refused = records.length - exported - failed;
  if (failed > 0) {
    // Not delivered for a transient reason: the file stays whole for the next attempt.
    totals.undelivered += records.length - exported;
    totals.accepted += exported;
    io.stdout.write(`kept      ${entry.file}: ${failed} of ${records.length} records not delivered to ${destination} (${reasons(section.failed_reasons)}); the file stays\n`);
    return;
  }
  for (const file of refusedAgain) renameSync(join(scratch, file), join(dir, file));
  unlinkSync(entry.path);
  totals.accepted += exported;
  totals.refused += refused;
  if (refused === 0) io.stdout.write(`accepted  ${entry.file}: ${records.length} records delivered to ${destination}; removed\n`);
  else {
    const kept = refusedAgain.length > 0 ? `kept as ${refusedAgain.join(', ')}` : 'rejected by the backend and counted';
    io.stdout.write(`refused   ${entry.file}: ${refused} of ${records.length} records refused again by ${destination} (${reasons(section.dead_lettered_reasons) || 'rejected'}); ${kept}\n`);
  }
}

/**
 * The destination stage, built by its descriptor from the configuration as the pipeline reads it (the
 * variables or OTEL_CONFIG_FILE): a destination name (`loki`) or a route target's key
 * (`loki_tenant_security`, found among the configured routes). No spool: a replay is one attempt.
 */
function openDestination(name: string, env: Env, deadLetterDir: string, stats: PipelineStats): { stage: LogStage; key: string } {
  let target: RouteTarget | undefined = destinationNamed(name) ? { exporter: name, options: {}, key: name } : undefined;
  const routed = resolveConfig({ env });
  target ??= routed.delivery.routing.rules.flatMap((rule) => rule.targets).find((t) => t.key === name);
  const descriptor = target && (destinationNamed(target.exporter) as DestinationDescriptor | undefined);
  if (target === undefined || descriptor === undefined) {
    throw new LogkitError('LOGKIT_CONFIG_INVALID', `unknown destination ${name}: expected one of the destinations (${DESTINATIONS.map((d) => d.name).join(', ')}) or a route target of OTEL_LOGKIT_ROUTES`);
  }
  const config = resolveConfig({ env, exporters: [target.exporter as ExporterName] });
  const settings = config.delivery.settings;
  const delivery = {
    ...settings,
    spoolDir: undefined,
    deadLetterDir,
    retry: { ...settings.retry, maxElapsedMs: Math.min(settings.retry.maxElapsedMs, REPLAY_MAX_RETRY_MS) },
    flushTimeoutMs: Math.max(settings.flushTimeoutMs, REPLAY_MAX_RETRY_MS * 2),
  };
  const section = (config.delivery as unknown as Record<string, unknown>)[target.exporter];
  const route = target.key === target.exporter ? undefined : target;
  return { stage: descriptor.create(section, delivery, { stats, resource: defaultResource() }, route), key: target.key };
}

function reasons(value: StatsSection[string] | undefined): string {
  if (value === undefined || typeof value === 'number') return '';
  return Object.entries(value).map(([reason, n]) => `${reason}: ${n}`).join(', ');
}

function indent(text: string): string {
  return text.trim().split('\n').map((line) => `    ${line}`).join('\n');
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
