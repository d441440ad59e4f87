import type { LogkitRecord } from '../../src/core/record.js';
import type { KeyedPart, Protocol, WireRequest } from './protocol.js';

const EMPTY = new Uint8Array(0);

/**
 * The request for one batch's records: the protocol's `encode` on the whole batch, or — for a
 * protocol that declares a partition key — on each partition, the partitions sent as the request's
 * keyed parts (Vector's `batched_partitioned(KeyPartitioner)` before its request builder).
 */
export function buildRequest(protocol: Protocol, records: readonly LogkitRecord[]): WireRequest {
  if (protocol.partitionKey === undefined) return protocol.encode(records);
  const partitions = new Map<string | undefined, LogkitRecord[]>();
  for (const record of records) {
    const key = protocol.partitionKey(record);
    const partition = partitions.get(key);
    if (partition) partition.push(record);
    else partitions.set(key, [record]);
  }
  let first: WireRequest | undefined;
  const parts: KeyedPart[] = [];
  for (const [key, partition] of partitions) {
    const request = protocol.encode(partition);
    first ??= request;
    parts.push(key === undefined ? { body: request.body } : { key, body: request.body });
  }
  return { path: first?.path ?? '', headers: first?.headers ?? {}, body: EMPTY, parts };
}

/** The bytes a request sends (its parts together, when it has parts). */
export function requestBytes(request: WireRequest): number {
  if (request.parts === undefined) return request.body.byteLength;
  let bytes = 0;
  for (const part of request.parts) bytes += part.body.byteLength;
  return bytes;
}
