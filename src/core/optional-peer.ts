import { createRequire } from 'node:module';
import { ConfigError, LogkitError } from './errors.js';

/**
 * A package otel-logkit uses only for one feature (gRPC, Kafka, S3): an optional peer dependency, so
 * that an application that does not use the feature does not install it (an OTLP/HTTP quick start
 * would otherwise carry gRPC's and Kafka's 50 packages, a native binary and an install-script warning).
 */
export interface OptionalPeer {
  /** The npm package. */
  name: string;
  /** What it is needed for, in the user's words: `OTLP/gRPC`, `the kafka destination`. */
  purpose: string;
}

/**
 * Resolution from this module. `import.meta.url` is undefined when an application bundles our ES
 * module into CommonJS; the bundle's own `require` resolves the same way then, and without either
 * nothing is checked up front (the first use still says what to install).
 */
function resolver(): NodeJS.Require | undefined {
  const url = import.meta.url as string | undefined;
  if (url) return createRequire(url);
  return typeof require === 'function' ? require : undefined;
}

/** True when the package can be found from here, as `import()` will look for it. */
export function peerInstalled(peer: OptionalPeer): boolean {
  const resolve = resolver()?.resolve;
  if (resolve === undefined) return true;
  try {
    resolve(peer.name);
    return true;
  } catch (error) {
    // Found, but exported for `import` only: installed all the same.
    return (error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/**
 * At start-up, when a setting asks for the feature: a {@link ConfigError} naming the setting and
 * carrying the install line, rather than a failure at the first record.
 *
 * @example
 * requirePeer(GRPC_PEER, 'OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc');
 * // ConfigError: OTEL_EXPORTER_OTLP_PROTOCOL=grpc: expected @grpc/grpc-js to be installed (… for OTLP/gRPC): npm install @grpc/grpc-js
 */
export function requirePeer(peer: OptionalPeer, setting: string, value: string): void {
  if (!peerInstalled(peer)) throw new ConfigError(setting, value, missing(peer));
}

/**
 * Loads the package on first use (`load` is `() => import('<name>')`, written out so that bundlers
 * see it); a failure says what to install. The same promise serves every later call.
 */
export function importPeer<T>(peer: OptionalPeer, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((cause: unknown) => {
      loading = undefined;
      throw new LogkitError('LOGKIT_CONFIG_INVALID', `${peer.name} could not be loaded (${(cause as Error).message}): expected ${missing(peer)}`, { cause });
    });
    return loading;
  };
}

function missing(peer: OptionalPeer): string {
  return `${peer.name} to be installed (an optional peer dependency of otel-logkit, needed for ${peer.purpose}): npm install ${peer.name}`;
}
