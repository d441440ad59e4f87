import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipeline } from '../../../src/pipeline.js';
import { LoopbackReceiver, type OtlpRequest } from '../../exporters/receiver.js';
import { leaks, readCorpus } from './corpus/corpus.js';

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** The full pipeline as an application runs it: OTLP to a loopback receiver, with a disk spool. */
function pipeline(endpoint: string, spoolDir: string) {
  const logkit = createLogPipeline({
    env: {
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
      OTEL_LOGKIT_SPOOL_DIR: spoolDir,
      OTEL_BLRP_SCHEDULE_DELAY: '5',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '50',
      OTEL_LOGKIT_RETRY_INITIAL_BACKOFF: '5',
      OTEL_LOGKIT_RETRY_MAX_BACKOFF: '40',
    },
  });
  const provider = new LoggerProvider({ processors: logkit.processors });
  return { logkit, provider, logger: provider.getLogger('checkout') };
}

/** Every file under `dir`, as raw bytes decoded as UTF-8 (protobuf keeps strings as UTF-8). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString('utf8'));
}

/** Every string value a receiver got (bodies, attribute values, nested), one per line. */
function stringsIn(requests: OtlpRequest[]): string {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(requests);
  return out.join('\n');
}

describe('no secret of the corpus leaves the process', () => {
  const secrets = readCorpus().filter((line) => line.label === 'secret');
  const MARKER = 'visible-control-marker-7d1f';

  it('neither in the disk spool while the backend is down, nor at the receiver once it is back', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'logkit-redaction-spool-'));
    const down = await LoopbackReceiver.start();
    down.answer = () => ({ status: 503 });
    receivers.push(down);
    const first = pipeline(down.url, spoolDir);
    secrets.forEach((line, i) => {
      first.logger.emit({ severityNumber: SeverityNumber.WARN, body: `${MARKER} #${i} ${line.text}`, attributes: { detail: line.text, nested: { note: line.text } } });
    });
    await first.provider.shutdown();
    expect(first.logkit.stats().redaction).toMatchObject({ records: secrets.length });

    const spooled = filesUnder(spoolDir);
    const spoolText = spooled.join('\n');
    // The control: the spool holds the records in readable form, so a leak would be found.
    expect(spoolText).toContain(MARKER);
    // Spool frames hold many records; a whole secret must appear in none of them.
    for (const line of secrets) for (const secret of line.secrets!) expect(spoolText.includes(secret), `spool: ${line.text}`).toBe(false);

    const up = await LoopbackReceiver.start();
    receivers.push(up);
    const second = pipeline(up.url, spoolDir);
    await second.provider.shutdown();
    expect(up.records.length).toBe(secrets.length);
    // Record by record, not even a 12-character piece of its secret arrives.
    for (const record of up.records) {
      const received = stringsIn([record as never]);
      const index = Number(/#(\d+) /.exec(received)?.[1]);
      expect(received).toContain(MARKER);
      for (const secret of secrets[index]!.secrets!) expect(leaks(received, secret), `receiver: ${secrets[index]!.text}`).toBe(false);
    }
    // What the 503 receiver was sent before giving up on it was redacted too.
    const refused = stringsIn(down.received.map((r) => r.request));
    for (const line of secrets) for (const secret of line.secrets!) expect(refused.includes(secret), `first receiver: ${line.text}`).toBe(false);
  });
});
