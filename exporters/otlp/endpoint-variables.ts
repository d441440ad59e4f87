import type { EndpointVariables } from '../../src/core/endpoint-fixes.js';
import type { OtlpExporterConfig } from './config.js';

/**
 * The variables behind an OTLP exporter's settings, for the fixes the runtime warning and `doctor`
 * print: the variable the endpoint really came from, the port of the configured protocol, and for a
 * path the server does not know, what that variable means (the spec: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`
 * is used as is, `OTEL_EXPORTER_OTLP_ENDPOINT` is a base to which `/v1/logs` is appended; gRPC names
 * the server only).
 *
 * @example
 * otlpEndpointVariables(parseOtlpExporterConfig(read)).notFound
 * // 'OTEL_EXPORTER_OTLP_ENDPOINT is the base URL and /v1/logs is appended …'
 */
export function otlpEndpointVariables(config: Pick<OtlpExporterConfig, 'endpoint' | 'endpointFrom' | 'protocol'>): EndpointVariables {
  const generic = config.endpointFrom === 'OTEL_EXPORTER_OTLP_ENDPOINT' || config.endpointFrom === 'default';
  const name = (suffix: string) => (generic ? `OTEL_EXPORTER_OTLP_${suffix}` : `OTEL_EXPORTER_OTLP_LOGS_${suffix}`);
  const endpoint = config.endpointFrom === 'option' ? 'the endpoint option' : name('ENDPOINT');
  const grpc = config.protocol === 'grpc';
  return {
    backend: grpc ? 'the OTLP/gRPC receiver (e.g. the Collector on port 4317)' : 'the OTLP/HTTP receiver (e.g. the Collector on port 4318)',
    endpoint,
    auth: `${name('HEADERS')} (e.g. Authorization=Bearer <token>)`,
    ca: name('CERTIFICATE'),
    clientCertificate: `${name('CLIENT_CERTIFICATE')} and ${name('CLIENT_KEY')}`,
    timeout: name('TIMEOUT'),
    notFound: grpc
      ? `${endpoint} must name an OTLP/gRPC receiver, e.g. http://localhost:4317 (the path is not used); for an OTLP/HTTP receiver (port 4318) set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`
      : generic
        ? `OTEL_EXPORTER_OTLP_ENDPOINT is the base URL and /v1/logs is appended (${config.endpoint.pathname} was requested): set it without the path, e.g. http://localhost:4318, or to the backend's OTLP prefix (Loki: http://loki:3100/otlp)`
        : `${endpoint} is used as is and must be the whole URL, ending in /v1/logs (e.g. http://localhost:4318/v1/logs); or set OTEL_EXPORTER_OTLP_ENDPOINT to the base URL instead`,
  };
}
