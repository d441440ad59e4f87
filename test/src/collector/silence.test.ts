import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCollectorSettings } from '../../../src/collector/settings.js';
import { createLogPipeline } from '../../../src/index.js';
import { type OtlpLogRecord, text } from '../../exporters/receiver.js';
import { type CollectorUnderTest, otlpJson, post, startCollector, until } from './harness.js';

let running: CollectorUnderTest | undefined;
const senders: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.shutdown()));
  await running?.close();
  running = undefined;
});

/** A real otel-logkit service sending OTLP to the collector. */
function sender(url: string, service: string, instance: string) {
  const pipeline = createLogPipeline({
    env: { OTEL_SERVICE_NAME: service, OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url, OTEL_BLRP_SCHEDULE_DELAY: '10' },
  });
  const provider = new LoggerProvider({ processors: pipeline.processors, resource: pipeline.resource });
  senders.push(provider);
  const logger = provider.getLogger('orders');
  return async (body: string) => {
    logger.emit({ severityNumber: SeverityNumber.INFO, body });
    await pipeline.forceFlush();
  };
}

const attribute = (record: OtlpLogRecord, key: string) => record.attributes?.find((a) => a.key === key)?.value;
const metrics = async () => (await fetch(running!.info.metrics!)).text();
const silentLine = (service: string, instance: string, value: 0 | 1) => `otel_logkit_service_silent{service_name="${service}",service_instance_id="${instance}"} ${value}`;

describe('silence detection in the collector', () => {
  it('reports a service that stops sending within its limit + 1 s, once, on /metrics and in a WARN record, and clears it when the service returns', async () => {
    const limit = 600;
    running = await startCollector({ OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER: String(limit) });
    const send = sender(running.url, 'checkout', 'i-1');
    await send('order placed');
    expect(await metrics()).toContain(silentLine('checkout', 'i-1', 0));

    // Another service keeps talking meanwhile: it is never reported.
    let talking = true;
    const steady = (async () => {
      while (talking) {
        await post(running!.url, otlpJson([{ body: 'tick' }], 'steady'));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await until(async () => (await metrics()).includes(silentLine('checkout', 'i-1', 1)), 'checkout reported silent');
      await until(() => running!.backend.records.some((r) => r.severityNumber === SeverityNumber.WARN), 'the WARN record');
    } finally {
      talking = false;
      await steady;
    }
    const warnings = running.backend.records.filter((r) => r.severityNumber === SeverityNumber.WARN);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(text(warning!.body)).toMatch(/^service checkout \(instance i-1\) has sent no records for more than 600 ms; last heard at \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(attribute(warning!, 'logkit.silence.service.name')).toEqual({ stringValue: 'checkout' });
    expect(attribute(warning!, 'logkit.silence.service.instance.id')).toEqual({ stringValue: 'i-1' });
    const lastHeard = Date.parse(String(text(attribute(warning!, 'logkit.silence.last_seen'))));
    const reportedAt = Number(BigInt(warning!.timeUnixNano!) / 1_000_000n);
    expect(reportedAt - lastHeard).toBeGreaterThan(limit);
    expect(reportedAt - lastHeard).toBeLessThanOrEqual(limit + 1000);
    const page = await metrics();
    expect(page).toContain(silentLine('steady', '', 0));
    expect(page).toContain('otel_logkit_silence_reported 1');

    await send('back again');
    expect(await metrics()).toContain(silentLine('checkout', 'i-1', 0));
    expect(running.collector.stats().silence).toMatchObject({ services: 2, silent: 0, reported: 1, returned: 1 });
  });

  it('is off unless OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER is set, and refuses a value that is not a duration in ms', async () => {
    running = await startCollector();
    await post(running.url, otlpJson([{ body: 'hello' }], 'quiet'));
    expect(running.collector.stats().silence).toBeUndefined();
    expect(await metrics()).not.toContain('service_silent');
    expect(() => parseCollectorSettings({ env: { OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER: '5s' } })).toThrow(
      'OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER=5s: expected a whole number from 100 to 2592000000',
    );
  });
});
