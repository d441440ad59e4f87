import { EXPORTER_NAMES } from '../../src/config.js';
import type { SettingsReader } from '../../src/env.js';
import { ConfigError } from '../../src/errors.js';
import { parseSeverity } from '../../src/severity.js';
import { checkIndex, checkPart } from '../elasticsearch/config.js';
import { isLokiLabelName } from '../loki/config.js';
import { type RouteCondition, type RouteRule, type RouteTarget, targetKey } from './rules.js';

/** Options given in code for routing. */
export interface RoutingOptions {
  /** Overrides `OTEL_LOGKIT_ROUTES`; the same syntax (see {@link parseRoutes}). */
  routes?: string;
}

export interface RoutingConfig {
  /** Empty when routing is off: every record goes to every exporter of `OTEL_LOGS_EXPORTER`. */
  rules: RouteRule[];
}

const VARIABLE = 'OTEL_LOGKIT_ROUTES';
const FORM =
  'rules separated by ";", each "<conditions> -> <destinations>", e.g. "log.type=audit -> elasticsearch(dataset=audit); scope=billing.* & severity>=warn -> loki(tenant=billing), otlp". ' +
  'Conditions (joined by "&"): scope=<glob>, severity>=<level>, severity<<level>, severity=<level>, <attribute>=<glob>, or * for every record. ' +
  'Destinations (joined by ","): an exporter, optionally with settings in parentheses: loki(tenant=…, <label>=…), elasticsearch(dataset=…, namespace=…) or elasticsearch(index=…)';

export function parseRoutingConfig(read: SettingsReader, options: RoutingOptions = {}): RoutingConfig {
  const text = read.string(VARIABLE, undefined, options.routes);
  const setting = options.routes !== undefined ? `option overriding ${VARIABLE}` : VARIABLE;
  return { rules: text === undefined ? [] : parseRoutes(text, setting) };
}

/**
 * Reads the compact route syntax. Every record is checked against every rule; it goes to the
 * destinations of all rules it matches, and to the default exporters (`OTEL_LOGS_EXPORTER`) only when
 * it matches none — so `log.type=audit -> elasticsearch(dataset=audit)` keeps audit records out of the
 * operational logs. Any mistake is a startup error naming the rule and what is wrong with it.
 */
export function parseRoutes(text: string, setting: string = VARIABLE): RouteRule[] {
  const rules: RouteRule[] = [];
  const parts = text.split(';').map((s) => s.trim()).filter((s) => s !== '');
  parts.forEach((ruleText, i) => {
    const fail = (problem: string): never => {
      throw new ConfigError(setting, text, `${FORM} (rule ${i + 1} "${ruleText}": ${problem})`);
    };
    const arrow = ruleText.indexOf('->');
    if (arrow < 0) fail('no "->" between the conditions and the destinations');
    const conditions = parseConditions(ruleText.slice(0, arrow), fail);
    const targets = parseTargets(ruleText.slice(arrow + 2), fail);
    rules.push({ text: ruleText, conditions, targets });
  });
  if (rules.length === 0) throw new ConfigError(setting, text, FORM);
  return rules;
}

function parseConditions(text: string, fail: (problem: string) => never): RouteCondition[] {
  const source = text.trim();
  if (source === '') fail('no condition before "->" (write * to match every record)');
  if (source === '*') return [{ kind: 'any' }];
  return source.split('&').map((raw): RouteCondition => {
    const condition = raw.trim();
    const severity = /^severity\s*(>=|<|=)\s*(\S+)$/i.exec(condition);
    if (severity) {
      const level = parseSeverity(severity[2]!);
      if (level === undefined) fail(`"${severity[2]}" is not a severity (trace, debug, info, warn, error, fatal or 1-24)`);
      return { kind: 'severity', op: severity[1] as '>=' | '<' | '=', level: level! };
    }
    const eq = condition.indexOf('=');
    if (eq <= 0) fail(`"${condition}" is not a condition`);
    const key = condition.slice(0, eq).trim();
    const pattern = condition.slice(eq + 1).trim();
    if (pattern === '') fail(`"${condition}" has no value (write ${key}=* for "present")`);
    if (/[\s()]/.test(key)) fail(`"${key}" is not an attribute name`);
    if (key === 'scope' || key === 'logger') return { kind: 'scope', pattern };
    return { kind: 'attribute', key, pattern };
  });
}

function parseTargets(text: string, fail: (problem: string) => never): RouteTarget[] {
  const targets: RouteTarget[] = [];
  const target = /\s*([a-z]+)\s*(?:\(([^()]*)\))?\s*(,|$)/iy;
  const source = text.trim();
  if (source === '') fail('no destination after "->"');
  while (target.lastIndex < source.length) {
    const match = target.exec(source);
    if (!match) fail(`cannot read the destinations "${source}"`);
    const exporter = match![1]!.toLowerCase();
    if (!(EXPORTER_NAMES as readonly string[]).includes(exporter) || exporter === 'none') {
      fail(`unknown exporter "${match![1]}" (one of ${EXPORTER_NAMES.filter((n) => n !== 'none').join(', ')})`);
    }
    const options = parseTargetOptions(exporter, match![2] ?? '', fail);
    const key = targetKey(exporter, options);
    if (!targets.some((t) => t.key === key)) targets.push({ exporter, options, key });
    if (match![3] === '') break;
  }
  return targets;
}

/** Loki: `tenant` and stream labels; Elasticsearch: `dataset`/`namespace` or `index`; other exporters take none. */
function parseTargetOptions(exporter: string, text: string, fail: (problem: string) => never): Record<string, string> {
  const options: Record<string, string> = {};
  for (const raw of text.split(',')) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    const key = eq > 0 ? raw.slice(0, eq).trim() : '';
    const value = eq > 0 ? raw.slice(eq + 1).trim() : '';
    if (key === '' || value === '') fail(`"${raw.trim()}" is not a key=value setting of ${exporter}`);
    options[key] = value;
  }
  const keys = Object.keys(options);
  if (keys.length === 0) return options;
  if (exporter === 'loki') {
    for (const key of keys) {
      if (key === 'tenant') {
        if (!/^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(options.tenant!)) fail(`"${options.tenant}" is not a Loki tenant id (letters, digits, !-_.*'(), at most 150)`);
      } else if (!isLokiLabelName(key)) fail(`"${key}" is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
    }
    return options;
  }
  if (exporter === 'elasticsearch') {
    for (const key of keys) {
      if (key !== 'dataset' && key !== 'namespace' && key !== 'index') fail(`elasticsearch takes dataset, namespace or index, not "${key}"`);
    }
    if (options.index !== undefined && (options.dataset !== undefined || options.namespace !== undefined)) fail('elasticsearch takes an index or a dataset/namespace, not both');
    try {
      if (options.index !== undefined) checkIndex('index', options.index);
      if (options.dataset !== undefined) checkPart('dataset', options.dataset);
      if (options.namespace !== undefined) checkPart('namespace', options.namespace);
    } catch (error) {
      fail((error as ConfigError).message);
    }
    return options;
  }
  return fail(`${exporter} takes no settings in a route`);
}
