import { isSpanContextValid } from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTES } from '../../src/core/attributes.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { attributeOf } from '../../src/core/record-encoding.js';
import { encodeOtlpProtobuf } from '../codec/encode-protobuf.js';
import { classifyAnswer } from '../delivery/classify.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';

/**
 * The Kafka topic as the Collector's `otlp_proto` encoding writes it: each message value is one OTLP
 * `ExportLogsServiceRequest` in protobuf. The batch is partitioned by the record's
 * `correlation.global_id` (its trace id when it has none) — by the delivery core, which calls
 * `encode` once per key and hands the producer one keyed part per key (see request-builder.ts) — so
 * every record of one request lands on one Kafka partition, in order, and one consumer of a group
 * sees all of them (the collector's tail deferral needs that). Records with neither id go in one
 * message without a key.
 *
 * The producer transport answers with verdicts of its own (see producer-transport.ts), so `classify`
 * only ever sees an answer in HTTP terms from a test double; it applies the default classification.
 */
export class KafkaProtocol implements Protocol {
  readonly name = 'kafka';

  constructor(private readonly topic: string) {}

  partitionKey(record: LogkitRecord): string | undefined {
    return messageKey(record);
  }

  /** One partition's records as one message value. */
  encode(records: readonly LogkitRecord[]): WireRequest {
    return { path: this.topic, headers: {}, body: encodeOtlpProtobuf(records) };
  }

  classify(response: WireResponse): Verdict {
    return classifyAnswer(response);
  }
}

/** `correlation.global_id`, else the trace id, else no key. */
export function messageKey(record: LogkitRecord): string | undefined {
  const globalId = attributeOf(record, CORRELATION_ATTRIBUTES.globalId);
  if (typeof globalId === 'string' && globalId !== '') return globalId;
  const span = record.spanContext;
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}
