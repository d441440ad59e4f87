import type { SettingsReader } from '../../src/core/env.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseSeverity } from '../../src/core/severity.js';
import type { DestinationDescriptor } from '../delivery/descriptor.js';
import { type RouteCondition, type RouteRule, type RouteTarget, targetKey } from './rules.js';

/** Options given in code for routing. */
export interface RoutingOptions {
  /**
   * Overrides `OTEL_LOGKIT_ROUTES`: the same text syntax (see {@link parseRoutes}), or the rules as
   * objects, validated the same way.
   *
   * @example
   * routes: [
   *   { when: { attributes: { 'log.type': 'audit' } }, to: [{ exporter: 'elasticsearch', dataset: 'audit' }, { exporter: 'loki', tenant: 'security' }] },
   *   { when: { scope: 'payments.*', severity: '>=error' }, to: ['loki', 'elasticsearch'] },
   * ]
   */
  routes?: string | RouteOption[];
}

/** One rule given in code: every condition of `when` must hold (no `when`: every record). */
export interface RouteOption {
  when?: {
    /** Logger name glob, `*` the only wildcard. */
    scope?: string;
    /** `>=warn`, `<info`, `=error`. */
    severity?: string;
    /** Attribute (record, then resource) globs; `*` means present. */
    attributes?: Record<string, string>;
  };
  /** Exporter names, or an exporter with its route settings (`tenant`, labels; `dataset`, `namespace`, `index`). */
  to: (string | ({ exporter: string } & Record<string, string>))[];
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

/** The destinations routes may name, and which route settings each takes. */
export type RouteDestinations = readonly Pick<DestinationDescriptor, 'name' | 'checkRouteOptions'>[];

export function parseRoutingConfig(read: SettingsReader, destinations: RouteDestinations, options: RoutingOptions = {}): RoutingConfig {
  if (Array.isArray(options.routes)) return { rules: routesFromOptions(options.routes, destinations) };
  const text = read.string(VARIABLE, undefined, options.routes);
  const setting = options.routes !== undefined ? `option overriding ${VARIABLE}` : VARIABLE;
  return { rules: text === undefined ? [] : parseRoutes(text, destinations, setting) };
}

/** The rules given in code as objects, checked exactly as the text form is. */
export function routesFromOptions(routes: readonly RouteOption[], destinations: RouteDestinations): RouteRule[] {
  return routes.map((route, i) => {
    const text = JSON.stringify(route);
    const fail = (problem: string): never => {
      throw new ConfigError(`option overriding ${VARIABLE}`, routes, `route objects { when?: { scope?, severity?, attributes? }, to: [...] } (route ${i + 1} ${text}: ${problem})`);
    };
    const conditions: RouteCondition[] = [];
    const when = route.when ?? {};
    if (when.scope !== undefined) conditions.push(parseCondition(`scope=${when.scope}`, fail));
    if (when.severity !== undefined) {
      if (!/^\s*(>=|<|=)/.test(when.severity)) fail(`severity "${when.severity}" must start with >=, < or =, e.g. ">=warn"`);
      conditions.push(parseCondition(`severity${when.severity}`, fail));
    }
    for (const [key, pattern] of Object.entries(when.attributes ?? {})) {
      if (key === '' || pattern === '') fail(`attribute condition "${key}=${pattern}" needs a name and a value (* for "present")`);
      conditions.push({ kind: 'attribute', key, pattern });
    }
    if (conditions.length === 0) conditions.push({ kind: 'any' });
    if (!Array.isArray(route.to) || route.to.length === 0) fail('no destination in "to"');
    const targets: RouteTarget[] = [];
    for (const to of route.to) {
      const { exporter, ...settings } = typeof to === 'string' ? { exporter: to } : to;
      addTarget(targets, checkTarget(String(exporter), settings, destinations, fail));
    }
    return { text, conditions, targets };
  });
}

/**
 * Reads the compact route syntax. Every record is checked against every rule; it goes to the
 * destinations of all rules it matches, and to the default exporters (`OTEL_LOGS_EXPORTER`) only when
 * it matches none — so `log.type=audit -> elasticsearch(dataset=audit)` keeps audit records out of the
 * operational logs. Any mistake is a startup error naming the rule and what is wrong with it.
 */
export function parseRoutes(text: string, destinations: RouteDestinations, setting: string = VARIABLE): RouteRule[] {
  const rules: RouteRule[] = [];
  const parts = text.split(';').map((s) => s.trim()).filter((s) => s !== '');
  parts.forEach((ruleText, i) => {
    const fail = (problem: string): never => {
      throw new ConfigError(setting, text, `${FORM} (rule ${i + 1} "${ruleText}": ${problem})`);
    };
    const arrow = ruleText.indexOf('->');
    if (arrow < 0) fail('no "->" between the conditions and the destinations');
    const conditions = parseConditions(ruleText.slice(0, arrow), fail);
    const targets = parseTargets(ruleText.slice(arrow + 2), destinations, fail);
    rules.push({ text: ruleText, conditions, targets });
  });
  if (rules.length === 0) throw new ConfigError(setting, text, FORM);
  return rules;
}

function parseConditions(text: string, fail: (problem: string) => never): RouteCondition[] {
  const source = text.trim();
  if (source === '') fail('no condition before "->" (write * to match every record)');
  if (source === '*') return [{ kind: 'any' }];
  return source.split('&').map((raw) => parseCondition(raw.trim(), fail));
}

function parseCondition(condition: string, fail: (problem: string) => never): RouteCondition {
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
}

function parseTargets(text: string, destinations: RouteDestinations, fail: (problem: string) => never): RouteTarget[] {
  const targets: RouteTarget[] = [];
  const target = /\s*([a-z]+)\s*(?:\(([^()]*)\))?\s*(,|$)/iy;
  const source = text.trim();
  if (source === '') fail('no destination after "->"');
  while (target.lastIndex < source.length) {
    const match = target.exec(source);
    if (!match) fail(`cannot read the destinations "${source}"`);
    addTarget(targets, checkTarget(match![1]!, parseSettings(match![1]!, match![2] ?? '', fail), destinations, fail));
    if (match![3] === '') break;
  }
  return targets;
}

function addTarget(targets: RouteTarget[], target: RouteTarget): void {
  if (!targets.some((t) => t.key === target.key)) targets.push(target);
}

/** `tenant=security, stream=audit` → { tenant: 'security', stream: 'audit' }. */
function parseSettings(exporter: string, text: string, fail: (problem: string) => never): Record<string, string> {
  const options: Record<string, string> = {};
  for (const raw of text.split(',')) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    const key = eq > 0 ? raw.slice(0, eq).trim() : '';
    const value = eq > 0 ? raw.slice(eq + 1).trim() : '';
    if (key === '' || value === '') fail(`"${raw.trim()}" is not a key=value setting of ${exporter}`);
    options[key] = value;
  }
  return options;
}

function checkTarget(name: string, options: Record<string, string>, destinations: RouteDestinations, fail: (problem: string) => never): RouteTarget {
  const exporter = name.toLowerCase();
  const destination = destinations.find((d) => d.name === exporter);
  if (destination === undefined) fail(`unknown exporter "${name}" (one of ${destinations.map((d) => d.name).join(', ')})`);
  const keys = Object.keys(options);
  for (const key of keys) if (typeof options[key] !== 'string' || options[key] === '') fail(`setting "${key}" of ${exporter} needs a value`);
  if (keys.length > 0) {
    if (!destination!.checkRouteOptions) fail(`${exporter} takes no settings in a route`);
    const problem = destination!.checkRouteOptions!(options);
    if (problem !== undefined) fail(problem);
  }
  return { exporter, options, key: targetKey(exporter, options) };
}
