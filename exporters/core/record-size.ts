import type { LogkitRecord, LogValue } from '../../src/record.js';

/**
 * A cheap upper-bound guess of a record's encoded size, for the byte limits of batches and the queue.
 * It counts string lengths (UTF-16 units; multi-byte text is rarer in logs than tag overhead) plus a
 * fixed cost per field, and never encodes anything.
 */
export function estimateRecordSize(record: LogkitRecord): number {
  let size = 48 + (record.severityText?.length ?? 0) + (record.eventName?.length ?? 0) + valueSize(record.body);
  const attributes = record.attributes;
  for (const key in attributes) size += 8 + key.length + valueSize(attributes[key]);
  return size;
}

function valueSize(value: LogValue): number {
  switch (typeof value) {
    case 'string':
      return 4 + value.length;
    case 'number':
    case 'bigint':
      return 11;
    case 'boolean':
      return 4;
    case 'undefined':
      return 0;
    default:
      break;
  }
  if (value === null) return 2;
  if (value instanceof Uint8Array) return 4 + value.byteLength;
  let size = 4;
  if (Array.isArray(value)) {
    for (const item of value) size += 2 + valueSize(item);
    return size;
  }
  for (const key in value) size += 8 + key.length + valueSize(value[key]);
  return size;
}
