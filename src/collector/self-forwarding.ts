import { networkInterfaces } from 'node:os';
import { otlpEndpointVariables } from '../../exporters/otlp/endpoint-variables.js';
import type { LogkitConfig } from '../config.js';
import { ConfigError } from '../core/errors.js';
import type { CollectorSettings } from './settings.js';

/**
 * Refuses a collector whose destination is one of its own receivers: on the defaults, the collector
 * listens on 127.0.0.1:4318 and the `otlp` destination sends to localhost:4318, so every record
 * would go round for ever (seen: one record received 2, 3, 4, 5 times in 4 s, without a word).
 * A destination counts as the collector itself when its port is a listener's and both hosts are this
 * machine (localhost, 127.x, ::1, 0.0.0.0, ::, or an address of one of its interfaces when the
 * listener is on every interface) or the same name. Port 0 listeners take a free port: never a loop.
 *
 * @example
 * refuseForwardingToItself(parseCollectorSettings({ env }), resolveConfig({ env }));
 * // ConfigError: OTEL_EXPORTER_OTLP_ENDPOINT=(default) http://localhost:4318/v1/logs: expected a destination other than this collector …
 */
export function refuseForwardingToItself(settings: CollectorSettings, config: LogkitConfig): void {
  const listeners = [
    { variable: 'OTEL_LOGKIT_COLLECTOR_ENDPOINT', what: 'OTLP/HTTP', ...settings.endpoint },
    ...(settings.grpcEndpoint ? [{ variable: 'OTEL_LOGKIT_COLLECTOR_GRPC_ENDPOINT', what: 'OTLP/gRPC', ...settings.grpcEndpoint }] : []),
  ].filter((listener) => listener.port !== 0);
  for (const [name, section] of Object.entries(config.delivery)) {
    const endpoint = (section as { endpoint?: unknown } | undefined)?.endpoint;
    if (!(endpoint instanceof URL)) continue;
    const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
    const host = endpoint.hostname.replace(/^\[|\]$/g, '');
    const itself = listeners.find((listener) => listener.port === port && sameMachine(host, listener.host));
    if (!itself) continue;
    const variable = endpointVariable(name, config);
    const shown = variable.from === 'default' ? `(default) ${endpoint.href}` : endpoint.href;
    throw new ConfigError(
      variable.name,
      shown,
      `a destination other than this collector, which receives ${itself.what} on ${itself.host}:${itself.port} (${itself.variable}): ` +
        `records would be forwarded to itself for ever. Set OTEL_LOGS_EXPORTER and ${variable.name} to the backend the collector forwards to, ` +
        `or move the receiver with ${itself.variable}`,
    );
  }
}

function endpointVariable(name: string, config: LogkitConfig): { name: string; from?: string } {
  const otlp = config.delivery.otlp;
  if (name === 'otlp' && otlp) return { name: otlpEndpointVariables(otlp).endpoint.replace('the endpoint option', 'options.delivery.otlp.endpoint'), from: otlp.endpointFrom };
  return { name: `OTEL_LOGKIT_${name.toUpperCase()}_ENDPOINT` };
}

const ANY = new Set(['0.0.0.0', '::']);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || ANY.has(host);
}

function sameMachine(destination: string, listener: string): boolean {
  const d = destination.toLowerCase();
  const l = listener.toLowerCase();
  if (d === l) return true;
  if (ANY.has(l)) return isLoopback(d) || ownAddresses().has(d);
  return isLoopback(d) && isLoopback(l);
}

function ownAddresses(): Set<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((info) => info?.address.toLowerCase())
      .filter((address): address is string => address !== undefined),
  );
}
