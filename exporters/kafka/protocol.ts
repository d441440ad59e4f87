import { isSpanContextValid } from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTES } from '../../src/core/attributes.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { attributeOf } from '../../src/core/record-encoding.js';
import { encodeOtlpProtobuf } from '../codec/encode-protobuf.js';
import { classifyAnswer } from '../delivery/classify.js';
import type { Protocol, Verdict, WireRequest, WireResponse } from '../delivery/protocol.js';
import { encodeMessageSet, type KeyedMessage } from './message-set.js';

/**
 * The Kafka topic as the Collector's `otlp_proto` encoding writes it: each message value is one OTLP
 * `ExportLogsServiceRequest` in protobuf. A batch becomes one message per key, the key being the
 * record's `correlation.global_id` (its trace id when it has none), so every record of one request
 * lands on one partition, in order, and one consumer of a group sees all of them (the collector's
 * tail deferral needs that). Records with neither id go in one message without a key.
 *
 * The producer transport answers like an HTTP backend (see producer-transport.ts), so the default
 * classification applies unchanged: 413 splits, 403/400 dead-letter; failures to reach the cluster
 * reject and are retried.
 */
export class KafkaProtocol implements Protocol {
  readonly name = 'kafka';

  constructor(private readonly topic: string) {}

  encode(records: readonly LogkitRecord[]): WireRequest {
    const messages: KeyedMessage[] = [];
    for (const [key, group] of groupByMessageKey(records)) messages.push({ key, value: encodeOtlpProtobuf(group) });
    return { path: this.topic, headers: {}, body: encodeMessageSet(messages) };
  }

  classify(response: WireResponse): Verdict {
    return classifyAnswer(response);
  }
}

/** The records of a batch by message key, keys in the order they first appear, records in batch order. */
export function groupByMessageKey(records: readonly LogkitRecord[]): Map<string | undefined, LogkitRecord[]> {
  const groups = new Map<string | undefined, LogkitRecord[]>();
  for (const record of records) {
    const key = messageKey(record);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

/** `correlation.global_id`, else the trace id, else no key. */
export function messageKey(record: LogkitRecord): string | undefined {
  const globalId = attributeOf(record, CORRELATION_ATTRIBUTES.globalId);
  if (typeof globalId === 'string' && globalId !== '') return globalId;
  const span = record.spanContext;
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}
