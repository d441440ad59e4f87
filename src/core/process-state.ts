/**
 * State that must exist once per process even when the package is loaded twice — an application
 * that imports the ES module build and also `require`s the CommonJS build (directly or through a
 * dependency) runs two copies of this code. Executions, their end listeners, their settings and the
 * id pool live in `globalThis` under a `Symbol.for` key, as `@opentelemetry/api` keeps its globals
 * (`Symbol.for('opentelemetry.js.api.1')`), so an execution opened through one copy is the one the
 * other copy's pipeline sees.
 *
 * The key carries the version of the state's shape: a copy whose shape differs (a future major
 * version) uses its own slot instead of reading objects it does not understand.
 *
 * @example
 * const state = processWide('executions', 1, () => ({ storage: new AsyncLocalStorage<Execution>() }));
 */
export function processWide<T extends object>(name: string, shapeVersion: number, create: () => T): T {
  const key = Symbol.for(`otel-logkit.${name}.v${shapeVersion}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  let state = slots[key];
  if (state === undefined) {
    state = create();
    // Not enumerable, not writable: nothing iterating globalThis trips over it, nothing replaces it.
    Object.defineProperty(globalThis, key, { value: state, enumerable: false, writable: false, configurable: false });
  }
  return state;
}
