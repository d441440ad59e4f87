import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { LogMap } from '../../src/core/record.js';

/**
 * A resource read from the wire, whose `attributes` are exactly what the sender sent. The SDK's
 * `Resource` drops every value that is not a simple attribute value (with a diag warning per key):
 * a map, bytes, a mixed array, a whole-number double (an OtlpDouble) would vanish between receiving
 * and sending. The SDK's object is kept (for `merge` and `schemaUrl`), with its attributes set as they came.
 */
export function receivedResource(attributes: LogMap, schemaUrl: string | undefined): Resource {
  const resource = resourceFromAttributes({}, schemaUrl ? { schemaUrl } : undefined);
  Object.defineProperty(resource, 'attributes', { value: attributes as Attributes, enumerable: true });
  return resource;
}
