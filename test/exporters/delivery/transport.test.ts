import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDestination } from '../../../exporters/delivery/destination.js';
import { HttpTransport } from '../../../exporters/delivery/transport.js';
import { parseElasticsearchConfig } from '../../../exporters/elasticsearch/config.js';
import { ElasticsearchProtocol } from '../../../exporters/elasticsearch/protocol.js';
import { SettingsReader } from '../../../src/core/env.js';
import { BulkReceiver } from '../elasticsearch/bulk-receiver.js';
import { deliverySettings, record, stageContext } from '../records.js';
import { LoopbackReceiver } from '../receiver.js';

/** The Elasticsearch stand-in, also noting the URL of every request. */
class RecordingBulkReceiver extends BulkReceiver {
  readonly urls: string[] = [];

  static override async start(): Promise<RecordingBulkReceiver> {
    const receiver = new RecordingBulkReceiver();
    await receiver.listen();
    return receiver;
  }

  protected override answer(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    this.urls.push(req.url ?? '');
    super.answer(req, raw, res);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

const HTTP = { headers: {}, timeoutMs: 2000, tls: {} };

describe("the endpoint's query string", () => {
  it('is kept on every request, before the query of the request path itself', async () => {
    const r = await LoopbackReceiver.start();
    cleanups.push(() => r.close());
    const origin = new URL(r.url).origin;
    const send = async (base: string, path: string) => {
      const transport = new HttpTransport(new URL(base), HTTP, 1);
      await transport.send({ path, headers: {}, body: Buffer.alloc(0) });
      await transport.close();
    };
    await send(`${origin}/?pipeline=logs-enrich`, '/_bulk');
    await send(`${origin}/?pipeline=logs-enrich`, '/_bulk?refresh=wait_for');
    await send(`${origin}/prefix/?tenant=a%20b`, 'loki/api/v1/push');
    await send(`${origin}/v1/logs?token=x`, '');
    expect(r.received.map((x) => x.url)).toEqual(['/_bulk?pipeline=logs-enrich', '/_bulk?pipeline=logs-enrich&refresh=wait_for', '/prefix/loki/api/v1/push?tenant=a%20b', '/v1/logs?token=x']);
  });

  it('OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT=…/?pipeline=logs-enrich sends every bulk request through the ingest pipeline', async () => {
    const es = await RecordingBulkReceiver.start();
    cleanups.push(() => es.close());
    const config = parseElasticsearchConfig(new SettingsReader({ OTEL_LOGKIT_ELASTICSEARCH_ENDPOINT: `${es.url.origin}/?pipeline=logs-enrich` }));
    const stage = createHttpDestination({ name: 'elasticsearch', protocol: new ElasticsearchProtocol(config), endpoint: config.endpoint, http: HTTP, delivery: deliverySettings({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2' }) }, stageContext());
    for (let i = 0; i < 5; i++) stage.write(record(`record ${i}`));
    await stage.shutdown();
    expect(es.documents()).toHaveLength(5);
    expect(es.urls).toEqual(['/_bulk?pipeline=logs-enrich', '/_bulk?pipeline=logs-enrich', '/_bulk?pipeline=logs-enrich']);
  });
});
