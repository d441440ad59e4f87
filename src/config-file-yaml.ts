import { isMap, isScalar, isSeq, parseDocument, Scalar, parse as parseYaml, type Node } from 'yaml';
import type { Env } from './core/env.js';
import { ConfigError } from './core/errors.js';

/** How a setting of the configuration file is named in errors: `OTEL_CONFIG_FILE:logger_provider.processors[0]…`. */
export function fileSetting(path: string): string {
  return `OTEL_CONFIG_FILE:${path}`;
}

export const SUBSTITUTION_FORM = '${NAME} or ${NAME:-default} (NAME: letters, digits and _, not starting with a digit), or $$ for a literal $';

/**
 * Parses a declarative configuration file as the OTel configuration data model asks: YAML 1.2 core
 * schema, then environment variable substitution in scalar values (never in keys) —
 * `${NAME}`, `${env:NAME}`, `${NAME:-default}` (the default when the variable is unset or empty), `$$`
 * for a literal `$` — and only then the type of each value: `port: ${PORT}` with PORT=4318 is a number,
 * `"${PORT}"` stays a string. A substituted value is not substituted again and cannot create a map or
 * a list. An invalid reference is an error naming the YAML path.
 */
export function parseConfigYaml(text: string, source: string, env: Env): unknown {
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError('OTEL_CONFIG_FILE', source, `a YAML file (${first.message.split('\n')[0]})`);
  }
  if (doc.contents) substitute(doc.contents, '', env);
  return doc.toJS({ maxAliasCount: 100 });
}

function substitute(node: Node, path: string, env: Env): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (pair.value && typeof pair.value === 'object') substitute(pair.value as Node, path === '' ? key : `${path}.${key}`, env);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item && typeof item === 'object') substitute(item as Node, `${path}[${i}]`, env);
    });
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
    const replaced = substituteText(node.value, path, env);
    if (replaced === node.value) return;
    node.value = node.type === Scalar.PLAIN ? retype(replaced) : replaced;
  }
}

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const NAME_AND_DEFAULT = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^\n]*))?$/;

/** Replaces every reference in one scalar, left to right, in a single pass (results are not re-read). */
export function substituteText(text: string, path: string, env: Env): string {
  return text.replace(REFERENCE, (match, inner: string | undefined) => {
    if (match === '$$') return '$';
    const parsed = NAME_AND_DEFAULT.exec(inner ?? '');
    if (!parsed) throw new ConfigError(fileSetting(path), text, SUBSTITUTION_FORM);
    const value = env[parsed[1]!];
    return value !== undefined && value !== '' ? value : (parsed[2] ?? '');
  });
}

/** A plain scalar's type after substitution (YAML 1.2 core): null, bool, int or float; anything else stays the text. */
function retype(text: string): unknown {
  try {
    const value: unknown = parseYaml(text, { version: '1.2', schema: 'core' });
    return value === null || typeof value === 'number' || typeof value === 'boolean' ? value : text;
  } catch {
    return text;
  }
}
