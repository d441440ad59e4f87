import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/index.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    resolveConfig({ env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('configuration from the environment', () => {
  it('defaults to the OTLP exporter and the SDK attribute limits when nothing is set', () => {
    const config = resolveConfig({ env: {} });
    expect(config.disabled).toBe(false);
    expect(config.exporters).toEqual(['otlp']);
    expect(config.limits.attributeCountLimit).toBe(128);
    expect(config.limits.attributeValueLengthLimit).toBe(Infinity);
  });

  it('reads OTEL_LOGS_EXPORTER as a comma list, drops none and duplicates', () => {
    expect(resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'console, none ,console' } }).exporters).toEqual(['console']);
    expect(resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'none' } }).exporters).toEqual([]);
  });

  it('rejects an unknown exporter naming the variable, the value and the accepted names', () => {
    const error = configError({ OTEL_LOGS_EXPORTER: 'console,fluentd' });
    expect(error.code).toBe('LOGKIT_CONFIG_INVALID');
    expect(error.setting).toBe('OTEL_LOGS_EXPORTER');
    expect(error.message).toBe('OTEL_LOGS_EXPORTER=console,fluentd: expected a comma-separated list of otlp, console, file, loki, elasticsearch, kafka, none');
  });

  it('reads OTEL_SDK_DISABLED and rejects values that are not booleans', () => {
    expect(resolveConfig({ env: { OTEL_SDK_DISABLED: 'true' } }).disabled).toBe(true);
    expect(configError({ OTEL_SDK_DISABLED: 'maybe' }).message).toBe('OTEL_SDK_DISABLED=maybe: expected true or false');
  });

  it('reads the record attribute limits, preferring the log-specific variable', () => {
    const config = resolveConfig({ env: { OTEL_ATTRIBUTE_COUNT_LIMIT: '10', OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '20', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' } });
    expect(config.limits.attributeCountLimit).toBe(20);
    expect(config.limits.attributeValueLengthLimit).toBe(64);
    expect(configError({ OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '-1' }).message).toMatch(/^OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT=-1: expected a whole number/);
  });

  it('parses OTEL_RESOURCE_ATTRIBUTES with percent-decoding and lets OTEL_SERVICE_NAME win', () => {
    const config = resolveConfig({
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=pay%20ments', OTEL_SERVICE_NAME: 'checkout' },
    });
    expect(config.resource.attributes).toEqual({ 'deployment.environment': 'prod', team: 'pay ments' });
    expect(config.resource.serviceName).toBe('checkout');
  });

  it('rejects an unparsable OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(configError({ OTEL_RESOURCE_ATTRIBUTES: 'novalue' }).setting).toBe('OTEL_RESOURCE_ATTRIBUTES');
    expect(configError({ OTEL_RESOURCE_ATTRIBUTES: 'k=%E0%A4%A' }).setting).toBe('OTEL_RESOURCE_ATTRIBUTES');
  });

  it('takes the build commit from OTEL_LOGKIT_COMMIT before CI variables', () => {
    expect(resolveConfig({ env: { GITHUB_SHA: 'abc', OTEL_LOGKIT_COMMIT: 'def' } }).resource.commit).toBe('def');
    expect(resolveConfig({ env: { GITHUB_SHA: 'abc' } }).resource.commit).toBe('abc');
  });

  it('lets options given in code override the environment, and validates them the same way', () => {
    const config = resolveConfig({ env: { OTEL_LOGS_EXPORTER: 'console', OTEL_SERVICE_NAME: 'env' }, exporters: ['none'], serviceName: 'code' });
    expect(config.exporters).toEqual([]);
    expect(config.resource.serviceName).toBe('code');
    expect(() => resolveConfig({ env: {}, limits: { maxDepth: 0 } })).toThrow(ConfigError);
  });

  it('never echoes credentials back in configuration errors', () => {
    const error = new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer s3cr3t', 'key=value pairs');
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).toBe('OTEL_EXPORTER_OTLP_HEADERS=[hidden]: expected key=value pairs');
    expect(new ConfigError('OTEL_LOGKIT_SPOOL_KEY', 'abc', '64 hex digits').message).not.toContain('abc');
    // A list of key *names* is not a credential: showing it is what makes the error actionable.
    expect(new ConfigError('OTEL_LOGKIT_REDACT_KEYS', 'pass word', 'key names').message).toContain('pass word');
  });
});
