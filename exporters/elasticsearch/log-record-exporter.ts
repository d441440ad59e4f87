import { DestinationLogRecordExporter, type DestinationExporterOptions } from '../delivery/log-record-exporter.js';
import type { ElasticsearchOptions } from './config.js';
import { elasticsearchDestination } from './index.js';

/**
 * Our Elasticsearch/OpenSearch destination (`_bulk` into a data stream or an index, per-document
 * results) as an SDK `LogRecordExporter`, with its durable queue. Reads `OTEL_LOGKIT_ELASTICSEARCH_*`.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: new ElasticsearchLogRecordExporter({ endpoint: 'https://es:9200', apiKey: process.env.ES_API_KEY }) });
 */
export class ElasticsearchLogRecordExporter extends DestinationLogRecordExporter<ElasticsearchOptions> {
  constructor(options: ElasticsearchOptions & DestinationExporterOptions = {}) {
    super(elasticsearchDestination, options);
  }
}
