/**
 * The dead-letter directory and `otel-logkit dead-letter`: a backend refuses a batch for good (HTTP
 * 400), the pipeline keeps it with the backend's answer; once the backend is fixed, `replay` sends it
 * again through the same delivery core and removes what was accepted:
 *   npx tsx examples/dead-letter.ts
 * In a deployment: `OTEL_LOGKIT_DEAD_LETTER_DIR=/var/lib/app/dead-letter npx otel-logkit dead-letter list`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../src/index.js';

// A stand-in OTLP backend: it refuses everything until it is "fixed".
let fixed = false;
const server = createServer((req, res) => {
  req.resume().on('end', () => res.writeHead(fixed ? 200 : 400).end(fixed ? '' : 'schema mismatch'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const env = {
  PATH: process.env.PATH ?? '',
  OTEL_LOGS_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`,
  OTEL_LOGKIT_DEAD_LETTER_DIR: mkdtempSync(join(tmpdir(), 'otel-logkit-dead-letter-')),
};

const pipeline = createLogPipeline({ env });
const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
provider.getLogger('orders').emit({ severityNumber: SeverityNumber.WARN, body: 'order 17 shipped late' });
await provider.shutdown();

// `npx otel-logkit dead-letter …`, run from the sources here.
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const run = async (...args: string[]) => {
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'dead-letter', ...args], { env }).catch((error: { stdout: string; code: number }) => error);
  process.stdout.write(result.stdout);
  return 'code' in result ? result.code : 0;
};
const listed = await run('list');
fixed = true;
const replayed = await run('replay');
server.close();
process.stdout.write(`${JSON.stringify({ list: listed, replay: replayed, left: readdirSync(env.OTEL_LOGKIT_DEAD_LETTER_DIR).length })}\n`);
