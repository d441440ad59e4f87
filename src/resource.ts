import { defaultResource, detectResources, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResourceConfig } from './config.js';

/**
 * The resource every record carries: the SDK defaults, host and process detection, then
 * `OTEL_RESOURCE_ATTRIBUTES`, then the service name/version and build commit we were given.
 * Later sources win, as in the SDK.
 */
export function buildResource(config: ResourceConfig): Resource {
  const explicit: Record<string, string> = { ...config.attributes };
  if (config.serviceName) explicit['service.name'] = config.serviceName;
  if (config.serviceVersion && !explicit['service.version']) explicit['service.version'] = config.serviceVersion;
  if (config.commit && !explicit['vcs.ref.head.revision']) explicit['vcs.ref.head.revision'] = config.commit;
  return defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(resourceFromAttributes(explicit));
}
