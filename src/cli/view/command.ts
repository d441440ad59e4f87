import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { SettingsReader } from '../../core/env.js';
import { LogkitError } from '../../core/errors.js';
import { parseElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { parseLokiConfig } from '../../../exporters/loki/config.js';
import { readFromElasticsearch } from './read-elasticsearch.js';
import { readFromFile } from './read-file.js';
import { readFromLoki } from './read-loki.js';
import { renderHtml } from './render-html.js';
import { renderText } from './render-text.js';
import type { ReadResult } from './source.js';
import { buildTimeline } from './timeline.js';

const USAGE = `usage: otel-logkit view <correlation-id> (--file <path> | --loki <url> | --elasticsearch <url>) [options]

Prints every record of one request across services: grouped by service and execution, in time and
sequence order, errors highlighted, deferred records marked, sequence gaps shown.

sources (one):
  --file <path>            the file exporter's output: a .jsonl file or its directory (OTEL_LOGKIT_FILE_DIR)
  --loki <url>             Loki's base URL; credentials, tenant and TLS from the OTEL_LOGKIT_LOKI_* variables
  --elasticsearch <url>    Elasticsearch/OpenSearch base URL; credentials and TLS from OTEL_LOGKIT_ELASTICSEARCH_*

options:
  --html <out.html>        also write the timeline as one self-contained HTML page
  --since <duration>       how far back to search Loki/Elasticsearch, e.g. 15m, 24h, 7d (default 24h)
  --limit <n>              read at most n records (default 10000)
  --index <pattern>        Elasticsearch index or pattern (default OTEL_LOGKIT_ELASTICSEARCH_INDEX, else logs-*)
  --selector <logql>       Loki stream selector (default: any value of the first OTEL_LOGKIT_LOKI_LABELS label)
  --details                list each record's attributes
`;

export interface ViewIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/**
 * `otel-logkit view <id> --file|--loki|--elasticsearch …`: the on-call engineer's view of one request.
 * Exit code 0 when records were found, 1 when none were or the store could not be read, 2 on a usage
 * or configuration error.
 *
 * @example
 * // npx otel-logkit view 4bf92f3577b34da6a3ce929d0e0e4736 --loki http://loki:3100 --html incident.html
 */
export async function runViewCommand(args: string[], io: ViewIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        loki: { type: 'string' },
        elasticsearch: { type: 'string' },
        html: { type: 'string' },
        since: { type: 'string', default: '24h' },
        limit: { type: 'string', default: '10000' },
        index: { type: 'string' },
        selector: { type: 'string' },
        details: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`otel-logkit view: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const sources = [values.file, values.loki, values.elasticsearch].filter((s) => s !== undefined);
  const sinceMs = parseDuration(values.since);
  const limit = Number(values.limit);
  const problem =
    positionals.length !== 1 || positionals[0] === ''
      ? 'give exactly one correlation id'
      : sources.length !== 1
        ? 'give exactly one of --file, --loki, --elasticsearch'
        : sinceMs === undefined
          ? `--since ${values.since}: expected a number and a unit s, m, h, d or w, e.g. 24h`
          : !Number.isSafeInteger(limit) || limit < 1
            ? `--limit ${values.limit}: expected a positive integer`
            : undefined;
  if (problem !== undefined) {
    io.stderr.write(`otel-logkit view: ${problem}\n${USAGE}`);
    return 2;
  }
  const id = positionals[0];
  let result: ReadResult;
  try {
    result = await read(id, values, { sinceMs: sinceMs!, limit }, new SettingsReader(io.env));
  } catch (error) {
    const usage = error instanceof LogkitError && error.code === 'LOGKIT_CONFIG_INVALID';
    io.stderr.write(`otel-logkit view: ${error instanceof Error ? error.message : String(error)}\n`);
    return usage ? 2 : 1;
  }
  const timeline = buildTimeline(id, result.entries);
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
  io.stdout.write(renderText(timeline, { color, details: values.details }));
  for (const note of result.notes) io.stderr.write(`otel-logkit view: note: ${note}\n`);
  if (values.html !== undefined) {
    try {
      await writeFile(values.html, renderHtml(timeline), { mode: 0o600 });
    } catch (error) {
      io.stderr.write(`otel-logkit view: ${values.html}: ${(error as Error).message}\n`);
      return 1;
    }
    io.stderr.write(`otel-logkit view: wrote ${values.html}\n`);
  }
  return timeline.entries.length > 0 ? 0 : 1;
}

async function read(
  id: string,
  values: { file?: string; loki?: string; elasticsearch?: string; index?: string; selector?: string },
  window: { sinceMs: number; limit: number },
  env: SettingsReader,
): Promise<ReadResult> {
  if (values.file !== undefined) return readFromFile(values.file, id);
  if (values.loki !== undefined) {
    // The exporter's own settings parser: the same credentials, tenant, TLS and labels as the writer.
    const config = parseLokiConfig(env, { endpoint: values.loki });
    return readFromLoki(config, id, { ...window, selector: values.selector });
  }
  const config = parseElasticsearchConfig(env, { endpoint: values.elasticsearch! });
  const index = values.index ?? (config.target.kind === 'index' ? config.target.index : 'logs-*');
  return readFromElasticsearch(config.endpoint, config.http, id, { ...window, index });
}

/** `15m`, `24h`, `7d`, `2w` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhdw])$/.exec(text);
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
