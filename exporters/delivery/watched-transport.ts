import type { BackendWatch } from '../../src/core/backend-health.js';
import type { WireRequest, WireResponse } from './protocol.js';
import type { Transport } from './transport.js';

/**
 * A transport that tells the pipeline's {@link BackendWatch} whether each attempt reached the backend:
 * an answer of any kind means reachable, a rejection (connection refused, DNS, TLS, timeout) does not.
 * The first unreachable attempt is what warns the user once (see BackendHealth); the exit flush reads
 * the same watch to stop waiting for a backend that is down.
 *
 * @example
 * const transport = watchedTransport(new HttpTransport(endpoint, http, 4), ctx.health?.watch('otlp', endpoint));
 */
export function watchedTransport(transport: Transport, watch: BackendWatch | undefined): Transport {
  if (watch === undefined) return transport;
  return {
    async send(request: WireRequest): Promise<WireResponse> {
      try {
        const response = await transport.send(request);
        watch.reached();
        return response;
      } catch (error) {
        watch.unreachable(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
