import { SeverityNumber } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { parseRoutingConfig, parseRoutes } from '../../../exporters/routing/config.js';
import { DESTINATIONS } from '../../../exporters/registry.js';
import { CompiledRule } from '../../../exporters/routing/rules.js';
import { SettingsReader } from '../../../src/core/env.js';
import { ConfigError } from '../../../src/core/errors.js';
import { makeRecord } from '../loki/fixtures.js';

function matcher(text: string): CompiledRule {
  return new CompiledRule(parseRoutes(`${text} -> otlp`, DESTINATIONS)[0]!);
}

describe('OTEL_LOGKIT_ROUTES syntax', () => {
  it('reads rules, conditions and destinations with their settings, and names each destination for its stats and spool', () => {
    const rules = parseRoutes('log.type=audit -> elasticsearch(dataset=audit), loki(tenant=security, stream=audit); scope=billing.* & severity>=warn -> loki', DESTINATIONS);
    expect(rules).toEqual([
      {
        text: 'log.type=audit -> elasticsearch(dataset=audit), loki(tenant=security, stream=audit)',
        conditions: [{ kind: 'attribute', key: 'log.type', pattern: 'audit' }],
        targets: [
          { exporter: 'elasticsearch', options: { dataset: 'audit' }, key: 'elasticsearch_dataset_audit' },
          { exporter: 'loki', options: { tenant: 'security', stream: 'audit' }, key: 'loki_stream_audit_tenant_security' },
        ],
      },
      {
        text: 'scope=billing.* & severity>=warn -> loki',
        conditions: [
          { kind: 'scope', pattern: 'billing.*' },
          { kind: 'severity', op: '>=', level: SeverityNumber.WARN },
        ],
        targets: [{ exporter: 'loki', options: {}, key: 'loki' }],
      },
    ]);
  });

  it('is off when the variable is unset; the option given in code wins over the variable', () => {
    expect(parseRoutingConfig(new SettingsReader({}), DESTINATIONS).rules).toEqual([]);
    const config = parseRoutingConfig(new SettingsReader({ OTEL_LOGKIT_ROUTES: '* -> otlp' }), DESTINATIONS, { routes: 'severity>=error -> loki' });
    expect(config.rules.map((r) => r.text)).toEqual(['severity>=error -> loki']);
  });

  it('accepts the rules as objects in code, checked and compiled exactly like the text form', () => {
    const fromObjects = parseRoutingConfig(new SettingsReader({ OTEL_LOGKIT_ROUTES: '* -> otlp' }), DESTINATIONS, {
      routes: [
        { when: { attributes: { 'log.type': 'audit' } }, to: [{ exporter: 'elasticsearch', dataset: 'audit' }, { exporter: 'loki', tenant: 'security', stream: 'audit' }] },
        { when: { scope: 'billing.*', severity: '>=warn' }, to: ['loki'] },
        { to: ['otlp'] },
      ],
    }).rules;
    const fromText = parseRoutes('log.type=audit -> elasticsearch(dataset=audit), loki(tenant=security, stream=audit); scope=billing.* & severity>=warn -> loki; * -> otlp', DESTINATIONS);
    expect(fromObjects.map(({ conditions, targets }) => ({ conditions, targets }))).toEqual(fromText.map(({ conditions, targets }) => ({ conditions, targets })));
  });

  it.each([
    [{ to: ['lokki'] }, 'unknown exporter "lokki"'],
    [{ when: { severity: 'warn' }, to: ['loki'] }, 'must start with >=, < or ='],
    [{ to: [{ exporter: 'elasticsearch', pipeline: 'x' }] }, 'elasticsearch takes dataset, namespace or index, not "pipeline"'],
    [{ to: [] }, 'no destination in "to"'],
  ])('refuses the route object %j at startup, naming the option and what is wrong', (route, problem) => {
    expect(() => parseRoutingConfig(new SettingsReader({}), DESTINATIONS, { routes: [route] })).toThrow(ConfigError);
    expect(() => parseRoutingConfig(new SettingsReader({}), DESTINATIONS, { routes: [route] })).toThrow(new RegExp(`^option overriding OTEL_LOGKIT_ROUTES=.*route 1 .*${problem.replace(/[()]/g, '\\$&')}`));
  });

  it.each([
    ['log.type=audit elasticsearch', 'rule 1 "log.type=audit elasticsearch": no "->"'],
    ['log.type=audit -> lokki', 'unknown exporter "lokki"'],
    ['severity>=loud -> loki', '"loud" is not a severity'],
    ['-> loki', 'no condition before "->"'],
    ['* -> ', 'no destination after "->"'],
    ['* -> loki(tenant=a b)', 'is not a Loki tenant id'],
    ['* -> loki(service.name=x)', '"service.name" is not a Loki label name'],
    ['* -> elasticsearch(dataset=My-App)', 'expected lowercase letters'],
    ['* -> elasticsearch(index=a, dataset=b)', 'an index or a dataset/namespace, not both'],
    ['* -> elasticsearch(pipeline=x)', 'elasticsearch takes dataset, namespace or index, not "pipeline"'],
    ['* -> otlp(endpoint=x)', 'otlp takes no settings in a route'],
    ['* -> loki; log.type= -> otlp', 'rule 2 "log.type= -> otlp": "log.type=" has no value'],
  ])('refuses %j at startup, naming the variable and what is wrong', (routes, problem) => {
    const error = (() => {
      try {
        parseRoutingConfig(new SettingsReader({ OTEL_LOGKIT_ROUTES: routes }), DESTINATIONS);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('OTEL_LOGKIT_ROUTES');
    expect((error as ConfigError).message).toContain(problem);
    expect((error as ConfigError).message).toContain('e.g. "log.type=audit -> elasticsearch(dataset=audit)');
  });
});

describe('route conditions', () => {
  it('scope globs match the logger name; * is the only wildcard', () => {
    const rule = matcher('scope=billing.*');
    expect(rule.matches(makeRecord({ scope: 'billing.cards' }))).toBe(true);
    expect(rule.matches(makeRecord({ scope: 'billingXcards' }))).toBe(false);
    expect(rule.matches(makeRecord({ scope: 'shipping' }))).toBe(false);
  });

  it('scope=billing.* also matches the logger billing itself, as sampling rules and component tags do', () => {
    expect(matcher('scope=billing.*').matches(makeRecord({ scope: 'billing' }))).toBe(true);
  });

  it('severity >=, < and = (= covers the whole range, ERROR..ERROR4)', () => {
    const atLeastWarn = matcher('severity>=warn');
    const belowWarn = matcher('severity<warn');
    const error = matcher('severity=error');
    expect([SeverityNumber.INFO4, SeverityNumber.WARN, SeverityNumber.FATAL].map((s) => atLeastWarn.matches(makeRecord({ severity: s })))).toEqual([false, true, true]);
    expect([SeverityNumber.INFO4, SeverityNumber.WARN].map((s) => belowWarn.matches(makeRecord({ severity: s })))).toEqual([true, false]);
    expect([SeverityNumber.WARN4, SeverityNumber.ERROR, SeverityNumber.ERROR4, SeverityNumber.FATAL].map((s) => error.matches(makeRecord({ severity: s })))).toEqual([false, true, true, false]);
  });

  it('attributes match the record first, then the resource; =* means present; all conditions of a rule must hold', () => {
    const audit = matcher('log.type=audit & severity>=info');
    expect(audit.matches(makeRecord({ attributes: { 'log.type': 'audit' } }))).toBe(true);
    expect(audit.matches(makeRecord({ attributes: { 'log.type': 'audit' }, severity: SeverityNumber.DEBUG }))).toBe(false);
    expect(audit.matches(makeRecord({ attributes: { 'log.type': 'access' } }))).toBe(false);
    expect(matcher('deployment.environment=prod').matches(makeRecord({}))).toBe(true);
    expect(matcher('user.id=*').matches(makeRecord({ attributes: { 'user.id': 7 } }))).toBe(true);
    expect(matcher('user.id=*').matches(makeRecord({}))).toBe(false);
  });
});
